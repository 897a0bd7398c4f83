import QMPCore
import QMPEvents
import QMPTestSupport
import Testing

/// How a listener's readers learn that its source's session is over.
@Suite("Listener: the end of a session", .timeLimit(.minutes(1)))
struct ListenerSessionEndTests {
    /// A `connect()` that timed out or was cancelled ends the session with its own code;
    /// a reader of a listener was neither timed out nor cancelled.
    @Test(arguments: [
        QMPError(.timedOut, "timed out after 50 ms connecting"),
        QMPError.cancelled("connecting"),
        QMPError(.malformedMessage, "not JSON"),
    ])
    func everyEndReadsAsADisconnect(cause: QMPError) async throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        hub.sessionStarted()
        let readers = try await WaitingReaders(on: listener)
        hub.sessionEnded(error: cause)

        #expect(await readers.get.value.failureCode == .disconnected)
        // Finished, as on any end, rather than throwing someone else's cancellation.
        #expect(try await readers.iteration.value == 0)
        do {
            _ = try await listener.get()
            Issue.record("get() returned after the session ended")
        } catch {
            #expect(error.code == .disconnected)
            #expect(error.message.contains(cause.message), "\(error)")
        }
    }
}
