import QMP
import QMPCore
import QMPTestSupport
import Testing

@Suite("A listener registered with a disconnected client", .timeLimit(.minutes(1)))
struct ListenerRegisteredAfterDisconnectTests {
    /// Its reads fail as those of a listener registered during the session do, instead of
    /// waiting until the end of a later session.
    @Test func readsFailAtOnce() async throws {
        let (client, _) = try await connectedClient()
        await client.disconnect()
        let stops = Listener(EventNames("STOP"))
        try client.register(stops)
        // The timeout only bounds a failure: the read must not wait at all.
        await expectQMPError(.disconnected) { _ = try await stops.get(timeout: .seconds(30)) }
    }
}
