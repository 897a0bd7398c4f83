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
        let waiting = Task { () -> Result<Event, QMPError> in
            do throws(QMPError) { return .success(try await listener.get()) } catch { return .failure(error) }
        }
        let iterating = Task { () throws(QMPError) -> Int in
            var count = 0
            for try await _ in listener { count += 1 }
            return count
        }
        try await waitUntil("get() and the iteration wait") { listener.waitingReaderCount == 2 }
        hub.sessionEnded(error: cause)

        #expect(await waiting.value.failureCode == .disconnected)
        // Finished, as on any end, rather than throwing someone else's cancellation.
        #expect(try await iterating.value == 0)
        do {
            _ = try await listener.get()
            Issue.record("get() returned after the session ended")
        } catch {
            #expect(error.code == .disconnected)
            #expect(error.message.contains(cause.message), "\(error)")
        }
    }
}
