import QMPCore
import QMPEvents
import QMPTestSupport
import Testing

@Suite("Scoped listening", .timeLimit(.minutes(1)))
struct ScopedListeningTests {
    struct Boom: Error {}

    @Test func listenerIsRegisteredOnlyForTheBody() async throws {
        let hub = EventHub()
        var escaped: Listener<EventNames>?
        let name = try await hub.listener(EventNames("STOP")) { listener in
            escaped = listener
            #expect(hub.isRegistered(listener))
            hub.dispatch(event("STOP"))
            hub.dispatch(event("STOP"))
            return try await listener.get().name
        }
        #expect(name == "STOP")
        let listener = try #require(escaped)
        #expect(!hub.isRegistered(listener))
        #expect(listener.isEmpty, "leaving the scope clears the queue")
    }

    @Test func listenersAreRemovedWhenTheBodyThrows() async throws {
        let hub = EventHub()
        let first = Listener()
        let second = Listener()
        await #expect(throws: Boom.self) {
            try await hub.listen(first, second) {
                hub.dispatch(event("X"))
                throw Boom()
            }
        }
        #expect(!hub.isRegistered(first) && !hub.isRegistered(second))
        #expect(first.isEmpty && second.isEmpty)
    }

    @Test func listenersAreRemovedWhenTheTaskIsCancelled() async throws {
        let hub = EventHub()
        let listener = Listener()
        let task = Task {
            try await hub.listen(listener) {
                _ = try await listener.get()
            }
        }
        // Cancelled only once the body waits inside the scope, the path this test is about.
        try await waitUntil("the task registered its listener and waits on it") {
            hub.isRegistered(listener) && listener.waitingReaderCount == 1
        }
        task.cancel()
        _ = await task.result
        #expect(!hub.isRegistered(listener))
    }

    @Test func aDuplicateRegistrationLeavesNothingBehind() async throws {
        let hub = EventHub()
        let fresh = Listener()
        let taken = Listener()
        try hub.register(taken)
        await #expect(throws: QMPError.self) {
            try await hub.listen(fresh, taken) {}
        }
        #expect(!hub.isRegistered(fresh))
        #expect(hub.isRegistered(taken))
    }
}
