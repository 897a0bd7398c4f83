@testable @_spi(Testing) import QMP
import Foundation
import QMPMock
import QMPTransportUnix
import QMPTestSupport
import Synchronization
import Testing

/// A peer behind a ``DirectReadTransport`` that answers each command as it is
/// written, and whose reader wakeups can be withheld: after ``stopWakingReader()``
/// the client's reader task, once parked, never reads again, so only a caller
/// reading its own reply can get it.
private final class DirectPeer: DirectReadTransport {
    private struct State {
        var inbox: [[UInt8]] = []
        var framer = MessageFramer()
        var parkedReaders: [CheckedContinuation<Void, Never>] = []
        /// Readiness reports: one per write answered while the reader is woken, and per hand-back.
        var readiness: UInt64 = 0
        var isClosed = false
        var wakesReader = true
        /// Calls of the blocking wait: only a caller reading its own reply makes them.
        var blockingWaits = 0
    }

    private let state: Lock<State>
    /// What the peer sends for each command other than `qmp_capabilities`.
    private let answer: @Sendable (Message) -> [String]

    init(answer: @escaping @Sendable (Message) -> [String] = { [DirectPeer.returnEmpty(to: $0)] }) {
        let greeting = #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#
        state = Lock(State(inbox: [Array(greeting.utf8) + [13, 10]]))
        self.answer = answer
    }

    static func returnEmpty(to command: Message) -> String {
        #"{"return": {}\#(command.id.map { ", \"id\": \($0)" } ?? "")}"#
    }

    var parkedReaderCount: Int { state.withLock { $0.parkedReaders.count } }
    var blockingWaits: Int { state.withLock { $0.blockingWaits } }

    /// From now on the reader task is never woken: what the peer sends stays unread but by callers.
    func stopWakingReader() { state.withLock { $0.wakesReader = false } }

    func sendImmediately(_ bytes: [UInt8]) -> Int {
        let wake = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isClosed else { return [] }
            state.framer.append(bytes)
            while let frame = try? state.framer.nextFrame(), let command = try? Message(parsing: frame) {
                let lines = command["execute"] == "qmp_capabilities" ? [Self.returnEmpty(to: command)] : answer(command)
                for line in lines { state.inbox.append(Array(line.utf8) + [13, 10]) }
            }
            guard state.wakesReader else { return [] }
            state.readiness += 1
            defer { state.parkedReaders = [] }
            return state.parkedReaders
        }
        for reader in wake { reader.resume() }
        return bytes.count
    }

    func send(_ bytes: [UInt8]) async throws { _ = sendImmediately(bytes) }

    /// Used when the client does not read its own replies (`replyWait` `.zero`).
    func receive() async throws -> [UInt8]? {
        while true {
            let seen = readinessCount
            switch try receiveNow() {
            case .bytes(let bytes): return bytes
            case .endOfStream: return nil
            case .wouldBlock: try await waitForReadiness(after: seen)
            }
        }
    }

    func receiveNow() throws -> ReceiveAttempt {
        state.withLock { state in
            if !state.inbox.isEmpty { return .bytes(state.inbox.removeFirst()) }
            return state.isClosed ? .endOfStream : .wouldBlock
        }
    }

    /// The peer answers as it is written to, so there is never anything to wait for.
    func waitUntilReceivable(within timeout: Duration) -> Bool {
        state.withLock { state in
            state.blockingWaits += 1
            return state.isClosed || !state.inbox.isEmpty
        }
    }

    var readinessCount: UInt64 { state.withLock { $0.readiness } }

    func waitForReadiness(after count: UInt64) async throws {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.isClosed || state.readiness != count { return true }
                state.parkedReaders.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// A caller handing reading back: honoured even once the reader is no longer woken for writes.
    func reportReadiness() {
        let wake = state.withLock { state in
            state.readiness += 1
            defer { state.parkedReaders = [] }
            return state.parkedReaders
        }
        for reader in wake { reader.resume() }
    }

    /// The peer goes away, and the reader task is not told: only a caller reading finds out.
    func endStreamQuietly() { state.withLock { $0.isClosed = true } }

    func close() async {
        let parked = state.withLock { state in
            state.isClosed = true
            defer { state.parkedReaders = [] }
            return state.parkedReaders
        }
        for reader in parked { reader.resume() }
    }
}

@Suite("A lone command reads its own reply", .timeLimit(.minutes(1)))
struct OwnReplyReadingTests {
    /// A client past negotiation whose reader task has parked, so only callers read.
    private func connectedWithParkedReader(
        _ peer: DirectPeer, replyWait: Duration = .milliseconds(500), timeout: Duration? = .seconds(20)
    ) async throws -> QMPClient {
        var configuration = QMPClient.Configuration()
        configuration.replyWait = replyWait
        configuration.defaultTimeout = timeout
        let client = QMPClient(configuration: configuration)
        try await client.connect(peer)
        peer.stopWakingReader()
        while peer.parkedReaderCount == 0 { await Task.yield() }
        return client
    }

    @Test("replies are read on the caller's thread when the reader task is not woken")
    func repliesArriveWithoutTheReader() async throws {
        let peer = DirectPeer()
        let client = try await connectedWithParkedReader(peer)
        for _ in 0..<100 { #expect(try await client.execute("query-status") == [:]) }
        #expect(client.repliesReadByTheirCallers == 100)
        await client.disconnect()
    }

    @Test("with replyWait .zero, a reply nobody wakes the reader for is never read")
    func offWaitsForTheReader() async throws {
        let peer = DirectPeer()
        let client = try await connectedWithParkedReader(peer, replyWait: .zero, timeout: .milliseconds(300))
        await expectQMPError(.timedOut) { _ = try await client.execute("query-status") }
        #expect(peer.blockingWaits == 0)
        await client.disconnect()
    }

    @Test("events read with the reply reach the listeners before execute returns")
    func eventsBeforeTheReplyAreDelivered() async throws {
        let peer = DirectPeer { command in
            [#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}"#, DirectPeer.returnEmpty(to: command)]
        }
        let client = try await connectedWithParkedReader(peer)
        try await client.listener(EventNames("RESUME")) { listener in
            for round in 1...3 {
                _ = try await client.execute("cont")
                #expect(listener.count == round, "RESUME came before cont's reply")
            }
        }
        await client.disconnect()
    }

    @Test("garbage read by the caller ends the session and fails the command")
    func garbageEndsTheSession() async throws {
        let peer = DirectPeer { command in
            command["execute"] == "query-status" ? [DirectPeer.returnEmpty(to: command)] : ["}} not json"]
        }
        let client = try await connectedWithParkedReader(peer)
        _ = try await client.execute("query-status")
        await expectQMPError(.malformedMessage) { _ = try await client.execute("stop") }
        #expect(client.runState == .idle)
    }

    @Test("the end of the stream read by the caller ends the session and fails the command")
    func endOfStreamEndsTheSession() async throws {
        let peer = DirectPeer()
        let client = try await connectedWithParkedReader(peer)
        _ = try await client.execute("query-status")
        peer.endStreamQuietly()
        await expectQMPError(.disconnected) { _ = try await client.execute("query-status") }
        #expect(client.runState == .idle)
    }

    @Test("each wait that runs out doubles the lone commands that go without, up to a limit; a reply in time resets it")
    func backoff() {
        var waiting = ReplyWaiting()
        let first = waiting.shouldWait(alone: true)
        #expect(!first, "the first lone command has no lone one before it")
        func skippedBeforeNextWait() -> Int {
            var skipped = 0
            while !waiting.shouldWait(alone: true) { skipped += 1 }
            return skipped
        }
        #expect(skippedBeforeNextWait() == 0)
        var expected = 1
        for _ in 0..<12 {
            waiting.record(answered: false)
            #expect(skippedBeforeNextWait() == expected)
            expected = min(expected * 2, ReplyWaiting.maxSkipped)
        }
        waiting.record(answered: true)
        waiting.record(answered: false)
        #expect(skippedBeforeNextWait() == 1)
    }

    @Test("only a lone command after another lone one waits: a pipeline that drains for a moment does not")
    func onlyAfterALoneCommand() {
        var waiting = ReplyWaiting()
        let alone = [false, true, true, false, true, true]
        let decisions = alone.map { waiting.shouldWait(alone: $0) }
        // The fifth command is alone, but the one before it was pipelined.
        #expect(decisions == [false, false, true, false, false, true])
    }
}

@Suite("The read role")
struct ReadRoleTests {
    @Test("a caller takes it only when free; the reader never waits for it")
    func exclusive() {
        let role = ReadRole()
        #expect(role.takeForReader() == .taken)
        #expect(!role.takeForCaller(), "the reader holds it")
        role.releaseByReader()
        #expect(role.takeForCaller())
        #expect(role.takeForReader() == .missed)
    }

    @Test("a reader that found it taken makes the caller read once more before letting go")
    func aMissedReadKeepsTheRole() {
        let role = ReadRole()
        #expect(role.takeForCaller())
        #expect(role.releaseByCaller(), "nobody missed anything")
        #expect(role.takeForCaller())
        #expect(role.takeForReader() == .missed)
        #expect(role.takeForReader() == .missed, "a second miss before the caller reads again is the same miss")
        #expect(!role.releaseByCaller(), "kept for one more read")
        #expect(role.takeForReader() == .missed, "still the caller's")
        #expect(!role.releaseByCaller())
        #expect(role.releaseByCaller())
        #expect(role.takeForReader() == .taken)
    }
}

@Suite("Callers reading their own replies over a real socket", .timeLimit(.minutes(2)))
struct OwnReplyReadingSocketTests {
    /// Runs `body` with a client of `simulator`, served over a Unix socket; then checks that
    /// nothing is left pending.
    private func withClient(of simulator: SimulatedQEMU, _ body: (QMPClient) async throws -> Void) async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        let server = Task { await simulator.serve(try await listener.accept()) }
        var configuration = QMPClient.Configuration()
        configuration.defaultTimeout = .seconds(30)
        let client = QMPClient(configuration: configuration)
        try await client.connect(try await UnixSocketTransport.connect(path: path))
        try await body(client)
        #expect(client.pendingCommandCount == 0)
        await client.disconnect()
        _ = await server.result
        await listener.close()
    }

    @Test("sequential commands with events between them: every reply and event arrives, in order")
    func eventsAndRepliesKeepTheirOrder() async throws {
        let simulator = SimulatedQEMU()
        let rounds = 500
        try await withClient(of: simulator) { client in
            try await client.listener(EventNames(["STOP", "RESUME"]), policy: .unbounded) { events in
                for _ in 0..<rounds {
                    _ = try await client.execute("stop")
                    _ = try await client.execute("cont")
                }
                for round in 0..<rounds {
                    let stop = try await events.get(timeout: .seconds(30))
                    let resume = try await events.get(timeout: .seconds(30))
                    #expect(stop.name == "STOP" && resume.name == "RESUME", "round \(round)")
                }
                #expect(events.isEmpty)
            }
        }
    }

    @Test("events flooding in after the replies: every command returns and the reader gets the rest, in order")
    func aFloodAfterTheReplyIsHandedBack() async throws {
        let simulator = SimulatedQEMU()
        let perCommand = 500
        let sent = FloodCounter()
        // Each reply goes first; its events follow from another task, while the caller may still
        // read. They are numbered as they are emitted, so the order they must arrive in is known.
        simulator.handle("query-name") { context in
            Task {
                for _ in 0..<perCommand {
                    sent.next.withLock { next in
                        context.emit("FLOOD", data: ["n": .int(Int64(next))])
                        next += 1
                    }
                }
            }
            return [:]
        }
        let commands = 20
        try await withClient(of: simulator) { client in
            try await client.listener(EventNames(["FLOOD"]), policy: .unbounded) { events in
                for _ in 0..<commands { _ = try await client.execute("query-name") }
                for expected in 0..<(commands * perCommand) {
                    let event = try await events.get(timeout: .seconds(30))
                    guard event.data["n"] == .int(Int64(expected)) else {
                        Issue.record("event \(expected) came as \(event.data)")
                        return
                    }
                }
            }
        }
    }
}

private final class FloodCounter: Sendable {
    let next = Lock(0)
}
