import QMP
import QMPCore
import QMPMock
import Synchronization
import Testing

/// A listener that disconnects the client the moment a session starts: `Task.immediate`
/// runs `disconnect()` on the connecting thread, inside the client's restart of its
/// listeners, so the session ends between the restart of the listeners before this one
/// and of those after it.
private final class DisconnectingOnStart: EventListening {
    let client: QMPClient
    let disconnects = Atomic<Int>(0)
    init(_ client: QMPClient) { self.client = client }

    func sessionStarted() {
        let client = client
        disconnects.add(1, ordering: .relaxed)
        Task.immediate { await client.disconnect() }
    }

    func deliver(_ event: Event) {}
    func sessionEnded(error: QMPError) {}
    func clear() -> [Event] { [] }
}

/// Found by FuzzSession: a session that ended while connect() was restarting the listeners
/// left those restarted after the end waiting, so a read on them outlived the session.
@Suite("A session that ends while it starts")
struct SessionStartEndRaceTests {
    @Test func listenersRestartedAfterTheEndStillEnd() async throws {
        let client = QMPClient()
        let trigger = DisconnectingOnStart(client)
        let victim = Listener(EventNames("STOP"))
        try client.register(trigger)
        try client.register(victim)
        let (clientSide, qemuSide) = InProcessTransport.makePair()
        await expectQMPError(.disconnected) { try await client.connect(clientSide) }
        #expect(trigger.disconnects.load(ordering: .relaxed) == 1)
        #expect(client.runState == .idle)
        // Ended with the session, not waiting for the next one: the timeout is only a bound.
        await expectQMPError(.disconnected) { _ = try await victim.get(timeout: .seconds(30)) }
        await qemuSide.close()
    }
}
