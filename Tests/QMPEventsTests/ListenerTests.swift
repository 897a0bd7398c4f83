import QMPCore
import QMPEvents
import QMPTestSupport
import Synchronization
import Testing

func event(_ name: String, _ data: JSONObject = [:]) -> Event {
    Event(name: name, data: data)
}

@Suite("Listener semantics", .timeLimit(.minutes(1)))
struct ListenerTests {
    @Test func eachListenerGetsItsOwnCopyInOrder() async throws {
        let hub = EventHub()
        let first = Listener()
        let second = Listener()
        try hub.register(first)
        try hub.register(second)
        for index in 0..<5 { hub.dispatch(event("E\(index)")) }
        for listener in [first, second, hub.events] {
            var names: [String] = []
            for _ in 0..<5 { names.append(try await listener.get().name) }
            #expect(names == ["E0", "E1", "E2", "E3", "E4"])
            #expect(listener.isEmpty)
        }
    }

    @Test func filtersByNameAndData() async throws {
        let hub = EventHub()
        let jobs = Listener(EventNames("JOB_STATUS_CHANGE") && DataMemberEquals("id", "job1"))
        try hub.register(jobs)
        hub.dispatch(event("JOB_STATUS_CHANGE", ["id": "job2", "status": "created"]))
        hub.dispatch(event("STOP"))
        hub.dispatch(event("JOB_STATUS_CHANGE", ["id": "job1", "status": "created"]))
        #expect(jobs.count == 1)
        #expect(try await jobs.get().data["id"] == "job1")
    }

    @Test func composesPredicates() {
        let stop = event("STOP")
        let resume = event("RESUME")
        #expect((EventNames("STOP") || EventNames("RESUME")).accepts(resume))
        #expect(!(!EventNames("STOP")).accepts(stop))
        #expect(EventNames(["STOP", "RESUME"]).accepts(resume))
        #expect(EventNames("STOP").or(EventNames("RESUME")).and(EventFilter { $0.data.isEmpty }).accepts(stop))
        #expect(!AllEvents().and(EventFilter { _ in false }).accepts(stop))
        #expect(DataMemberEquals(path: ["a", "b"], 1).accepts(event("X", ["a": ["b": 1]])))
        #expect(!DataMemberEquals(path: ["a", "b"], 1).accepts(event("X", ["a": 1])))
    }

    @Test func jobEventsMatchesTheSeedsJobListener() {
        let job = JobEvents(id: "job4")
        #expect(job.accepts(event("JOB_STATUS_CHANGE", ["id": "job4", "status": "running"])))
        #expect(job.accepts(event("BLOCK_JOB_PENDING", ["id": "job4"])))
        #expect(job.accepts(event("BLOCK_JOB_COMPLETED", ["device": "job4"])))
        #expect(!job.accepts(event("BLOCK_JOB_COMPLETED", ["id": "job4"])))
        #expect(!job.accepts(event("JOB_STATUS_CHANGE", ["id": "job5"])))
        #expect(!job.accepts(event("STOP", ["id": "job4"])))
    }

    @Test func eventsAreHandedOutExactlyOnceAcrossConcurrentReaders() async throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        let total = 2_000
        let seen = try await withThrowingTaskGroup(of: [String].self) { group in
            for reader in 0..<4 {
                group.addTask {
                    var names: [String] = []
                    if reader % 2 == 0 {
                        for _ in 0..<(total / 4) { names.append(try await listener.get().name) }
                    } else {
                        var iterator = listener.makeAsyncIterator()
                        for _ in 0..<(total / 4) {
                            guard let next = try await iterator.next() else { break }
                            names.append(next.name)
                        }
                    }
                    return names
                }
            }
            for index in 0..<total { hub.dispatch(event("E\(index)")) }
            var all: [String] = []
            for try await names in group { all += names }
            return all
        }
        #expect(seen.count == total)
        #expect(Set(seen).count == total)
    }

    @Test func historyIsImmediateAndSurvivesClear() throws {
        let hub = EventHub()
        let listener = Listener(EventNames(["STOP", "RESUME"]))
        try hub.register(listener)
        hub.dispatch(event("STOP"))
        hub.dispatch(event("RESUME"))
        hub.dispatch(event("SHUTDOWN"))
        #expect(listener.history.map(\.name) == ["STOP", "RESUME"])
        #expect(listener.clear().map(\.name) == ["STOP", "RESUME"])
        #expect(listener.isEmpty)
        #expect(listener.history.count == 2)
    }

    @Test func historyIsBounded() throws {
        let hub = EventHub()
        let listener = Listener(policy: .unbounded, historyLimit: 10)
        try hub.register(listener)
        for index in 0..<100 { hub.dispatch(event("E\(index)")) }
        #expect(listener.history.count <= 10)
        #expect(listener.history.last?.name == "E99")
        #expect(listener.count == 100)
    }

    @Test func bufferingOldestKeepsTheFirstAndCountsDrops() async throws {
        let hub = EventHub()
        let listener = Listener(policy: .bufferingOldest(3))
        try hub.register(listener)
        for index in 0..<10 { hub.dispatch(event("E\(index)")) }
        #expect(listener.droppedCount == 7)
        #expect(listener.clear().map(\.name) == ["E0", "E1", "E2"])
    }

    @Test func bufferingNewestKeepsTheLatestAndCountsDrops() async throws {
        let hub = EventHub()
        let listener = Listener(policy: .bufferingNewest(3))
        try hub.register(listener)
        for index in 0..<10 { hub.dispatch(event("E\(index)")) }
        #expect(listener.droppedCount == 7)
        #expect(try await listener.get().name == "E7")
        #expect(listener.clear().map(\.name) == ["E8", "E9"])
    }

    @Test func theBuiltInListenerIsBoundedByDefault() {
        let hub = EventHub()
        for index in 0..<5_000 { hub.dispatch(event("E\(index)")) }
        #expect(hub.events.count == 1_000)
        #expect(hub.events.droppedCount == 4_000)
        #expect(hub.events.history.count <= 1_000)
    }

    @Test func registrationErrorsAreTyped() throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        #expect(throws: QMPError.self) { try hub.register(listener) }
        do { try hub.register(listener) } catch { #expect(error.code == .listenerAlreadyRegistered) }
        try hub.remove(listener)
        do { try hub.remove(listener) } catch { #expect(error.code == .listenerNotRegistered) }
        do { try hub.remove(hub.events) } catch { #expect(error.code == .cannotRemoveDefaultListener) }
        #expect(hub.isRegistered(hub.events))
    }

    @Test func removalClearsPendingEvents() throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        hub.dispatch(event("STOP"))
        try hub.remove(listener)
        #expect(listener.isEmpty)
        hub.dispatch(event("RESUME"))
        #expect(listener.isEmpty)
        try hub.register(listener)
        hub.dispatch(event("RESUME"))
        #expect(listener.count == 1)
    }

    @Test func cancellingAWaitingGetLosesNoEvent() async throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        let waiting = Task { try await listener.get() }
        try await waitUntil("get() waits") { listener.waitingReaderCount == 1 }
        waiting.cancel()
        let result = await waiting.result
        if case .failure(let error as QMPError) = result {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected cancellation, got \(result)")
        }
        hub.dispatch(event("STOP"))
        #expect(try await listener.get().name == "STOP")
    }

    @Test func sessionEndEndsWaitsAfterTheQueueDrains() async throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        let waiting = Task { try await listener.get() }
        let iterating = Task {
            var names: [String] = []
            for try await next in hub.events { names.append(next.name) }
            return names
        }
        try await waitUntil("get() and the iteration wait") {
            listener.waitingReaderCount == 1 && hub.events.waitingReaderCount == 1
        }
        hub.dispatch(event("SHUTDOWN"))
        #expect(try await waiting.value.name == "SHUTDOWN")
        hub.sessionEnded(error: .disconnected("the peer went away"))
        #expect(try await iterating.value == ["SHUTDOWN"])
        do {
            _ = try await listener.get()
            Issue.record("get() returned after the session ended")
        } catch {
            #expect(error.code == .disconnected)
            #expect(error.message == "the peer went away")
        }
    }

    @Test func aNewSessionDropsStaleEvents() async throws {
        let hub = EventHub()
        let listener = Listener()
        try hub.register(listener)
        hub.dispatch(event("STOP"))
        hub.sessionEnded(error: .disconnected("gone"))
        hub.sessionStarted()
        #expect(listener.isEmpty)
        hub.dispatch(event("RESUME"))
        #expect(try await listener.get().name == "RESUME")
        // History is the listener's record across sessions: it keeps the earlier one's events.
        #expect(listener.history.map(\.name) == ["STOP", "RESUME"])
        #expect(hub.events.history.map(\.name) == ["STOP", "RESUME"])
    }

    @Test func customListenersOnlyNeedEventListening() throws {
        final class Counter: EventListening {
            let count = Lock(0)
            func deliver(_ event: Event) { count.withLock { $0 += 1 } }
            func sessionEnded(error: QMPError) {}
            func sessionStarted() {}
            func clear() -> [Event] { [] }
        }
        let hub = EventHub()
        let counter = Counter()
        try hub.register(counter)
        for _ in 0..<3 { hub.dispatch(event("X")) }
        #expect(counter.count.withLock { $0 } == 3)
    }

    @Test func aFilterMayRegisterListenersWithoutDeadlock() throws {
        let hub = EventHub()
        let late = Listener()
        // Weak: the hub holds the listener that holds this filter.
        let registering = Listener(EventFilter { [weak hub] _ in
            try? hub?.register(late)
            return true
        })
        try hub.register(registering)
        hub.dispatch(event("X"))
        #expect(hub.isRegistered(late))
    }
}
