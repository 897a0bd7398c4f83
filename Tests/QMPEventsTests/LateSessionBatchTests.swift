import QMPCore
import QMPEvents
import Testing

/// Found in review: a session's reader may still be dispatching a batch when the client
/// has heard of the session's end and started the next one; that batch then landed in
/// the new session's queues, read as if the new QEMU had sent it.
@Suite("A finished session's late batch")
struct LateSessionBatchTests {
    /// Starts the hub's next session from inside a dispatch, as a reconnect that comes while
    /// a finished session's reader is between two listeners would.
    private final class StartsTheNextSession: EventListening {
        // Unowned: the hub keeps its listeners, so a strong reference back leaks both.
        unowned let hub: EventHub
        init(_ hub: EventHub) { self.hub = hub }

        func deliver(_ event: Event) {}
        func deliver(contentsOf events: [Event]) {
            hub.sessionEnded(error: .disconnected("QEMU went away"))
            hub.sessionStarted()
        }
        func sessionEnded(error: QMPError) {}
        func sessionStarted() {}
        func clear() -> [Event] { [] }
    }

    @Test func aBatchOfAnEarlierSessionIsDropped() throws {
        let hub = EventHub()
        let first = hub.startSession()
        let stops = Listener(EventNames("STOP"))
        try hub.register(stops)
        hub.sessionEnded(error: .disconnected("QEMU went away"))
        let second = hub.startSession()
        hub.dispatch(contentsOf: [Event(name: "STOP")], session: first)
        #expect(stops.count == 0)
        #expect(stops.history.isEmpty)
        hub.dispatch(contentsOf: [Event(name: "STOP")], session: second)
        #expect(stops.count == 1)
    }

    /// The hub let the batch through, but the next session started before it reached this
    /// listener: the listener itself drops it.
    @Test func aBatchOvertakenByTheNextSessionMidDispatchIsDropped() throws {
        let hub = EventHub()
        let stops = Listener(EventNames("STOP"))
        try hub.register(StartsTheNextSession(hub))
        try hub.register(stops)
        let first = hub.startSession()
        hub.dispatch(contentsOf: [Event(name: "STOP")], session: first)
        #expect(stops.count == 0)
        #expect(stops.history.isEmpty)
        // The built-in listener, dispatched to before the next session started, had it.
        #expect(hub.events.history.map(\.name) == ["STOP"])
    }
}
