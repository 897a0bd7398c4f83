import QMP

// Issue 15: the same reads and commands, written where users' code runs. The bodies are
// the same three times on purpose: what is measured is where each copy is compiled to run.
//  - nonisolated: a plain async function (Swift 6: runs on the global executor);
//  - the main actor: `@MainActor` functions, called from `qmp-bench`'s async main;
//  - an actor of the user's own: `VMManager`, holding the client.
// Each returns the count it read or the seconds it took, timed where it runs.

/// Who calls the client.
enum Caller: String, CaseIterable {
    case nonisolated, mainActor = "main actor", actor
    init?(argument: String) {
        switch argument {
        case "nonisolated": self = .nonisolated
        case "main": self = .mainActor
        case "actor": self = .actor
        default: return nil
        }
    }
}

/// How the consumer reads its listener.
enum ReadStyle: String {
    case get = "get()", iterate = "for try await"
    init?(argument: String) {
        switch argument {
        case "get": self = .get
        case "iterate": self = .iterate
        default: return nil
        }
    }
}

private let clock = ContinuousClock()

private func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

enum NonisolatedCaller {
    static func connectAndRead(_ client: QMPClient, _ transport: some Transport, _ consumer: Listener<AllEvents>, _ read: ReadStyle) async throws -> (events: Int, seconds: Double) {
        let start = clock.now
        try await client.connect(transport)
        var received = 0
        switch read {
        case .get:
            while try await consumer.get().name != "FLOOD_END" { received += 1 }
        case .iterate:
            for try await event in consumer {
                if event.name == "FLOOD_END" { break }
                received += 1
            }
        }
        return (received, seconds(since: start))
    }

    static func sequential(_ client: QMPClient, _ commands: Int) async throws -> Double {
        let start = clock.now
        for _ in 0..<commands { _ = try await client.execute("query-status") }
        return seconds(since: start)
    }

    static func pipelined(_ client: QMPClient, _ commands: Int) async throws -> Double {
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask { for _ in 0..<(commands / 64) { _ = try await client.execute("query-status") } }
            }
            try await group.waitForAll()
        }
        return seconds(since: start)
    }
}

@MainActor
enum MainActorCaller {
    static func connectAndRead(_ client: QMPClient, _ transport: some Transport, _ consumer: Listener<AllEvents>, _ read: ReadStyle) async throws -> (events: Int, seconds: Double) {
        let start = clock.now
        try await client.connect(transport)
        var received = 0
        switch read {
        case .get:
            while try await consumer.get().name != "FLOOD_END" { received += 1 }
        case .iterate:
            for try await event in consumer {
                if event.name == "FLOOD_END" { break }
                received += 1
            }
        }
        return (received, seconds(since: start))
    }

    static func sequential(_ client: QMPClient, _ commands: Int) async throws -> Double {
        let start = clock.now
        for _ in 0..<commands { _ = try await client.execute("query-status") }
        return seconds(since: start)
    }

    static func pipelined(_ client: QMPClient, _ commands: Int) async throws -> Double {
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask { for _ in 0..<(commands / 64) { _ = try await client.execute("query-status") } }
            }
            try await group.waitForAll()
        }
        return seconds(since: start)
    }
}

/// What a VM manager in a daemon looks like: an actor that owns the client.
actor VMManager {
    let client: QMPClient
    init(client: QMPClient) { self.client = client }

    func connectAndRead(_ transport: some Transport, _ consumer: Listener<AllEvents>, _ read: ReadStyle) async throws -> (events: Int, seconds: Double) {
        let start = clock.now
        try await client.connect(transport)
        var received = 0
        switch read {
        case .get:
            while try await consumer.get().name != "FLOOD_END" { received += 1 }
        case .iterate:
            for try await event in consumer {
                if event.name == "FLOOD_END" { break }
                received += 1
            }
        }
        return (received, seconds(since: start))
    }

    func sequential(_ commands: Int) async throws -> Double {
        let start = clock.now
        for _ in 0..<commands { _ = try await client.execute("query-status") }
        return seconds(since: start)
    }

    func pipelined(_ commands: Int) async throws -> Double {
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask { for _ in 0..<(commands / 64) { _ = try await self.client.execute("query-status") } }
            }
            try await group.waitForAll()
        }
        return seconds(since: start)
    }
}
