import Foundation
import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Synchronization
import Testing

/// Code that follows the client from session to session, as a VM manager's does: found by
/// trying the API as a user (a watcher looping on `events` spun between sessions; a
/// `connect` right after `quit` found the client still running).
@Suite("Following the client across sessions", .timeLimit(.minutes(1)))
struct SessionFollowingTests {
    @Test("waitUntilRunning returns at once while running, and waits through idle until the next connect")
    func waitUntilRunningWaitsForTheNextSession() async throws {
        let client = QMPClient()
        let simulator = SimulatedQEMU()
        let waiting = Task {
            try await client.waitUntilRunning()
            return client.runState
        }
        // Idle: it must wait, not return; it is let go only by the connect below.
        try await client.connect(simulator.makeClientTransport())
        #expect(try await waiting.value == .running, "it returned for the session, not before it")
        try await client.waitUntilRunning(timeout: .zero)
        await client.disconnect()
        await expectQMPError(.timedOut) { try await client.waitUntilRunning(timeout: .milliseconds(20)) }
        let cancelled = Task { () async -> QMPError? in
            do throws(QMPError) {
                try await client.waitUntilRunning()
                return nil
            } catch {
                return error
            }
        }
        cancelled.cancel()
        #expect(await cancelled.value?.code == .cancelled)
    }

    @Test("the watcher loop reads each session's events and waits between them, without spinning")
    func watcherLoopAcrossSessions() async throws {
        let client = QMPClient()
        let simulator = SimulatedQEMU()
        let sessionsSeen = Lock(0)
        // The watcher says when it is about to wait, so that no session starts and ends
        // before it can follow it.
        let (ready, readiness) = AsyncStream.makeStream(of: Void.self)
        let watcher = Task {
            var stops: [Int] = []
            while stops.count < 2 {
                readiness.yield()
                try await client.waitUntilRunning()
                let session = sessionsSeen.withLock { count in
                    count += 1
                    return count
                }
                for try await event in client.events where event.name == "STOP" { stops.append(session) }
            }
            return stops
        }
        var readySignals = ready.makeAsyncIterator()
        for _ in 0..<2 {
            await readySignals.next()
            try await client.connect(simulator.makeClientTransport())
            try await client.execute("stop")
            try await client.execute("cont")
            try await client.execute("quit")
        }
        let stops = try await watcher.value
        #expect(stops == [1, 2], "one STOP in each session")
        #expect(sessionsSeen.withLock { $0 } == 2, "one pass of the loop per session: it waited while idle")
    }

    @Test("a quit that QEMU accepts returns with the client idle, so connect may follow at once", .requiresQEMU)
    func connectRightAfterQuit() async throws {
        try await QEMUInstance.with { first in
            try await QEMUInstance.with { second in
                let client = QMPClient()
                try await client.connect(try await UnixSocketTransport.connect(path: first.socketPath))
                // Opened before quit, so that nothing between quit and connect gives the end of stream time.
                let next = try await UnixSocketTransport.connect(path: second.socketPath)
                try await client.execute("quit")
                #expect(client.runState == .idle)
                #expect(client.lastError?.code == .disconnected, "QEMU's end of stream, not the client's doing")
                try await client.connect(next)
                #expect(try await client.execute("query-status")["status"]?.stringValue != nil)
                await client.disconnect()
            }
        }
    }

    @Test("a server that answers quit but keeps the connection open is closed by the client, within the command's timeout")
    func quitWithoutEndOfStream() async throws {
        let (client, peer) = try await connectedClient()
        // Under 5 s, so that what is left of it, not the 5 s budget, bounds the wait; long
        // enough that the reply itself comes in time on a loaded machine.
        async let quit: JSONValue = client.execute("quit", timeout: .seconds(4))
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"return": {}}"#)
        _ = try await quit
        #expect(client.runState == .idle)
        let message = client.lastError?.message ?? ""
        #expect(message.contains("kept the connection open for"), "\(message)")
        #expect(!message.contains("for 5.0 seconds"), "the rest of the 4 s timeout, not the 5 s budget: \(message)")
    }
}
