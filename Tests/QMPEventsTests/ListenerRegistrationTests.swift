import QMPCore
import QMPEvents
import QMPTestSupport
import Testing

/// What a listener registered between sessions, or removed, tells its readers.
@Suite("Listener: registration and removal", .timeLimit(.minutes(1)))
struct ListenerRegistrationTests {
    /// Registered after the session ended, a listener is told, like those that saw the end:
    /// its reads fail at once instead of waiting for the end of a session not yet started.
    /// Before the first session there is no end to tell: reads wait for it.
    @Test func aListenerRegisteredBetweenSessionsFailsAtOnceOnlyAfterAnEnd() async throws {
        let hub = EventHub()
        let early = Listener()
        try hub.register(early)
        let first = Task { try await early.get() }
        try await waitUntil("the read before the first session waits") { early.waitingReaderCount == 1 }
        hub.sessionStarted()
        hub.dispatch(event("RESUME"))
        #expect(try await first.value.name == "RESUME")

        hub.sessionEnded(error: QMPError(.timedOut, "timed out connecting"))
        let late = Listener()
        try hub.register(late)
        do {
            // The timeout only bounds a failure: the read must not wait at all.
            _ = try await late.get(timeout: .seconds(30))
            Issue.record("get() returned an event")
        } catch {
            #expect(error.code == .disconnected, "\(error)")
        }
        hub.sessionStarted()
        let next = Task { try await late.get() }
        try await waitUntil("the read waits in the new session") { late.waitingReaderCount == 1 }
        hub.dispatch(event("STOP"))
        #expect(try await next.value.name == "STOP")
    }
}
