import QMP
import QMPCore
import QMPTestSupport
import Testing

/// A `connect()` that fails with its own code (timed out, cancelled) ends the session that
/// the registered listeners were waiting on: their readers see a disconnect, not that code.
@Suite("Listeners when connect() fails", .timeLimit(.minutes(1)))
struct ListenerConnectFailureTests {
    @Test func aTimedOutConnectEndsListenersWithADisconnect() async throws {
        let client = QMPClient()
        let stops = Listener(EventNames("STOP"))
        try client.register(stops)
        let peer = ScriptedPeer()
        // The greeting never comes.
        await expectQMPError(.timedOut) { try await client.connect(peer.transport, timeout: .milliseconds(50)) }
        let error = await expectQMPError(.disconnected) { _ = try await stops.get(timeout: .seconds(30)) }
        #expect(error?.message.contains("timed out") == true, "\(String(describing: error))")
    }

    @Test func aCancelledConnectEndsListenersWithADisconnect() async throws {
        let client = QMPClient()
        let stops = Listener(EventNames("STOP"))
        try client.register(stops)
        let peer = ScriptedPeer()
        let attempt = Task { try await client.connect(peer.transport) }
        try await waitUntil("the client connects") { client.runState == .connecting }
        // A reader in a task of its own, which nobody cancels.
        let reader = Task { () throws(QMPError) -> Int in
            var count = 0
            for try await _ in stops { count += 1 }
            return count
        }
        try await waitUntil("the reader waits") { stops.waitingReaderCount == 1 }
        attempt.cancel()
        await expectQMPError(.cancelled) { _ = try await attempt.value }
        // The iteration finishes as on any end: the cancellation was the connecting task's.
        #expect(try await reader.value == 0)
        await expectQMPError(.disconnected) { _ = try await stops.get(timeout: .seconds(30)) }
    }
}
