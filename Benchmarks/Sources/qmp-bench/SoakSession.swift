import Foundation
@_spi(Testing) import QMP
import QMPTransportUnix

/// Parts of a session left out (`SOAK_SKIP=flood,commands,die,kill`), to find what leaks when something does.
let skipped = Set((ProcessInfo.processInfo.environment["SOAK_SKIP"] ?? "").split(separator: ",").map(String.init))

/// One session of one soak client: connect, a flood into a listener with a random
/// policy, a burst of commands with random timeouts and cancellations (sometimes one
/// that makes the peer drop the connection), then disconnect. The peer may also be
/// killed at any moment from outside.
struct SoakSession {
    let client: QMPClient
    let path: String
    var tally = SoakTally()

    mutating func run() async {
        tally.sessions = 1
        do {
            try await client.connect(try await UnixSocketTransport.connect(path: path))
        } catch {
            // Only the killer can make a connect fail (it may close the connection mid-greeting).
            if error.code != .greetingFailed && error.code != .disconnected && error.code != .negotiationFailed {
                tally.stateErrors += 1
                tally.unexplained(error)
            }
            tally.killedSessions = 1
            return
        }
        if !skipped.contains("flood") { await flood() }
        if !skipped.contains("commands") { await commands() }
        if client.runState == .running {
            tally.pendingLeft += client.pendingCommandCount
        } else {
            tally.killedSessions = 1
        }
        await client.disconnect()
        if client.runState != .idle || client.pendingCommandCount != 0 { tally.stateErrors += 1 }
    }

    private mutating func flood() async {
        let count = Int.random(in: 1...300)
        let limit = Int.random(in: 1...64)
        let kind = Int.random(in: 0..<3)
        let policy = [BufferingPolicy.unbounded, .bufferingNewest(limit), .bufferingOldest(limit)][kind]
        let outcome: (kept: [Int64], dropped: Int)?
        do {
            outcome = try await client.listener(EventNames("SOAK"), policy: policy) { listener in
                try await client.execute("soak-flood", arguments: ["count": .int(Int64(count))])
                // Events before a reply reach the listeners before the reply reaches its caller.
                var kept: [Int64] = []
                while !listener.isEmpty { kept.append(try await listener.get()["data"]?["seq"]?.intValue ?? -1) }
                return (kept, listener.droppedCount)
            }
        } catch {
            record(error as? QMPError ?? QMPError(.transportFailed, "\(error)"))
            return
        }
        guard let (kept, dropped) = outcome else { return }
        let expected: [Int64]
        switch kind {
        case 0:
            tally.eventsSentUnbounded += count
            tally.eventsLostUnbounded += count - kept.count
            expected = Array(0..<Int64(count))
        case 1: expected = Array(Int64(max(0, count - limit))..<Int64(count))
        default: expected = Array(0..<Int64(min(count, limit)))
        }
        if kind != 0 {
            tally.boundedFloods += 1
            tally.eventsDropped += dropped
            if dropped != max(0, count - limit) { tally.dropMismatches += 1 }
        }
        if kept != expected { tally.wrongEvents += 1 }
        tally.commandsSucceeded += 1
    }

    private mutating func commands() async {
        let client = client
        let dies = !skipped.contains("die") && Int.random(in: 0..<10) == 0
        let outcomes = await withTaskGroup(of: QMPError?.self) { group in
            for index in 0..<Int.random(in: 1...8) {
                let timeout: Duration? = Bool.random() ? nil : .milliseconds(Int.random(in: 0...30))
                let name = dies && index == 2 ? "soak-die" : "soak-slow"
                let task = Task { () -> QMPError? in
                    do {
                        try await client.execute(name, arguments: ["ms": .int(Int64.random(in: 0...20))], timeout: timeout)
                        return nil
                    } catch {
                        return error as? QMPError ?? QMPError(.transportFailed, "\(error)")
                    }
                }
                if Int.random(in: 0..<4) == 0 {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 0...15)))
                        task.cancel()
                        return await task.value
                    }
                } else {
                    group.addTask { await task.value }
                }
            }
            var outcomes: [QMPError?] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for outcome in outcomes {
            if let outcome { record(outcome) } else { tally.commandsSucceeded += 1 }
        }
    }

    private mutating func record(_ error: QMPError) {
        switch error.code {
        case .timedOut: tally.commandsTimedOut += 1
        case .cancelled: tally.commandsCancelled += 1
        case .disconnected: tally.commandsDisconnected += 1
        // A command issued once the peer had gone (it was killed).
        case .invalidState where client.runState != .running: tally.commandsDisconnected += 1
        default:
            tally.commandsFailedOtherwise += 1
            tally.unexplained(error)
        }
    }
}
