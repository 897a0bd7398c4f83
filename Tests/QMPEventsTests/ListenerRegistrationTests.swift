import QMPCore
import QMPEvents
import QMPTestSupport
import Synchronization
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

/// Removal ends reads: a removed listener will never get another event.
@Suite("Listener: removal", .timeLimit(.minutes(1)))
struct ListenerRemovalTests {
    @Test func removalEndsWaitingAndLaterReadsUntilRegisteredAgain() async throws {
        let hub = EventHub()
        hub.sessionStarted()
        let stops = Listener(EventNames("STOP"))
        try hub.register(stops)
        let readers = try await WaitingReaders(on: stops)
        try hub.remove(stops)

        let result = await readers.get.value
        #expect(result.failureCode == .listenerNotRegistered)
        if case .failure(let error) = result { #expect(error.message.contains("removed"), "\(error)") }
        #expect(try await readers.iteration.value == 0)
        do {
            // The timeout only bounds a failure: the read must not wait at all.
            _ = try await stops.get(timeout: .seconds(30))
            Issue.record("a removed listener returned an event")
        } catch {
            #expect(error.code == .listenerNotRegistered, "\(error)")
        }

        try hub.register(stops)
        hub.dispatch(event("STOP"))
        #expect(try await stops.get().name == "STOP")
    }

    /// A dispatch whose snapshot still held the listener delivers after the removal: the
    /// listener takes nothing from it.
    @Test func aDeliveryAfterTheRemovalIsNotKept() throws {
        let hub = EventHub()
        hub.sessionStarted()
        let holder = Lock<Listener<EventFilter>?>(nil)
        // The filter runs after the snapshot and before the event is queued: removing the
        // listener there is a removal that a dispatch in flight overtakes.
        let removing = Listener(EventFilter { [weak hub] _ in
            if let listener = holder.withLock({ $0 }) { try? hub?.remove(listener) }
            return true
        })
        holder.withLock { $0 = removing }
        try hub.register(removing)
        hub.dispatch(event("STOP"))
        #expect(!hub.isRegistered(removing))
        #expect(removing.isEmpty)
        #expect(removing.history.isEmpty)
        holder.withLock { $0 = nil }
    }
}
