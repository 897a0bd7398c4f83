import QMPCore
import QMPEvents
import Testing

/// The seed tutorial's Python forms, as they read in Swift.
@Suite("The seed's listener forms", .timeLimit(.minutes(1)))
struct SeedFormsTests {
    @Test func namesAsAStringOrAnArray() async throws {
        let hub = EventHub()
        let stop = try await hub.listener("STOP") { stops in
            hub.dispatch(Event(name: "RESUME"))
            hub.dispatch(Event(name: "STOP"))
            return try await stops.get().name
        }
        #expect(stop == "STOP")
        let names = try await hub.listener(["STOP", "RESUME"]) { changes in
            hub.dispatch(Event(name: "SHUTDOWN"))
            hub.dispatch(Event(name: "RESUME"))
            hub.dispatch(Event(name: "STOP"))
            return [try await changes.get().name, try await changes.get().name]
        }
        #expect(names == ["RESUME", "STOP"])
    }

    @Test func listenersFromNames() throws {
        let hub = EventHub()
        let stops: Listener<EventNames> = Listener("STOP")
        let changes = Listener(["STOP", "RESUME"])
        try hub.register(stops)
        try hub.register(changes)
        hub.dispatch(Event(name: "RESUME"))
        hub.dispatch(Event(name: "STOP"))
        #expect(stops.history.map(\.name) == ["STOP"])
        #expect(changes.history.map(\.name) == ["RESUME", "STOP"])
    }

    @Test func namesWithAFilterFunction() async throws {
        let hub = EventHub()
        let job = try await hub.listener("JOB_STATUS_CHANGE", where: { $0.data["id"] == "job1" }) { job1 in
            hub.dispatch(Event(name: "JOB_STATUS_CHANGE", data: ["id": "job0", "status": "running"]))
            hub.dispatch(Event(name: "BLOCK_JOB_READY", data: ["id": "job1"]))
            hub.dispatch(Event(name: "JOB_STATUS_CHANGE", data: ["id": "job1", "status": "concluded"]))
            return try await job1.get()
        }
        #expect(job.data["status"] == "concluded")
        // The type a property spells, named in the docs.
        let stored: Listener<NamesAndFilter> = Listener(EventNames("JOB_STATUS_CHANGE") && EventFilter { $0.data["id"] == "job1" })
        #expect(stored.description == "the listener for JOB_STATUS_CHANGE and a filter function")
    }

    @Test func errorsNameTheListenerNotItsType() throws {
        let hub = EventHub()
        let listener = Listener(EventNames(["STOP", "RESUME"]))
        try hub.register(listener)
        do {
            try hub.register(listener)
            Issue.record("registered twice")
        } catch {
            #expect(error.code == .listenerAlreadyRegistered)
            #expect(error.message == "the listener for RESUME or STOP is already registered", "\(error.message)")
        }
    }
}
