import QMPCore
import QMPEvents
import QMPTestSupport
import Testing

/// The client hands listeners everything one socket read produced at once;
/// these check that a batch obeys the same rules as events one by one.
@Suite("Batched delivery", .timeLimit(.minutes(1)))
struct BatchDeliveryTests {
    private func batch(_ range: Range<Int>) -> [Event] { range.map { event("E\($0)") } }

    private func registered(_ listener: some EventListening) throws -> EventHub {
        let hub = EventHub()
        try hub.register(listener)
        return hub
    }

    @Test func aBatchArrivesInOrderAndIsReadOneByOne() async throws {
        let listener = Listener()
        let hub = try registered(listener)
        hub.dispatch(contentsOf: batch(0..<3))
        hub.dispatch(contentsOf: batch(3..<40))
        var names: [String] = []
        for _ in 0..<40 { names.append(try await listener.get().name) }
        #expect(names == (0..<40).map { "E\($0)" })
        #expect(listener.isEmpty)
    }

    @Test func waitingReadersAreServedFromTheBatchFirst() async throws {
        let listener = Listener()
        let hub = try registered(listener)
        async let first = listener.get()
        try await waitUntil("get() waits") { listener.waitingReaderCount > 0 }
        hub.dispatch(contentsOf: batch(0..<5))
        #expect(try await first.name == "E0")
        #expect(listener.clear().map(\.name) == ["E1", "E2", "E3", "E4"])
    }

    @Test func bufferingOldestKeepsTheFirstOfABatch() throws {
        let listener = Listener(policy: .bufferingOldest(4))
        let hub = try registered(listener)
        hub.dispatch(contentsOf: batch(0..<3))
        hub.dispatch(contentsOf: batch(3..<10))
        #expect(listener.droppedCount == 6)
        #expect(listener.clear().map(\.name) == ["E0", "E1", "E2", "E3"])
    }

    @Test func bufferingNewestKeepsTheLatestAcrossBatches() throws {
        let listener = Listener(policy: .bufferingNewest(4))
        let hub = try registered(listener)
        hub.dispatch(contentsOf: batch(0..<3))
        hub.dispatch(contentsOf: batch(3..<5))
        #expect(listener.droppedCount == 1)
        hub.dispatch(contentsOf: batch(5..<12))
        #expect(listener.droppedCount == 8)
        #expect(listener.clear().map(\.name) == ["E8", "E9", "E10", "E11"])
    }

    @Test func bufferingNewestZeroKeepsNothing() throws {
        let listener = Listener(policy: .bufferingNewest(0), historyLimit: nil)
        let hub = try registered(listener)
        hub.dispatch(contentsOf: batch(0..<5))
        #expect(listener.droppedCount == 5)
        #expect(listener.isEmpty)
        #expect(listener.history.count == 5)
    }

    @Test func historyKeepsTheLatestAcrossBatches() throws {
        let listener = Listener(historyLimit: 5)
        let hub = try registered(listener)
        hub.dispatch(contentsOf: batch(0..<3))
        #expect(listener.history.map(\.name) == ["E0", "E1", "E2"])
        hub.dispatch(contentsOf: batch(3..<12))
        #expect(listener.history.map(\.name) == ["E7", "E8", "E9", "E10", "E11"])
        hub.dispatch(event("E12"))
        #expect(listener.history.map(\.name) == ["E8", "E9", "E10", "E11", "E12"])
        _ = listener.clear()
        #expect(listener.history.count == 5)
    }

    @Test func aFilterSeesEveryEventOfABatch() throws {
        let odd = Listener(EventNames(["E1", "E3", "E5"]))
        let hub = try registered(odd)
        hub.dispatch(contentsOf: batch(0..<7))
        #expect(odd.clear().map(\.name) == ["E1", "E3", "E5"])
    }

    @Test func theQueueWrapsAroundWithoutLosingOrder() async throws {
        // Interleave reads and batches so the ring's start moves past its end many times.
        let listener = Listener(historyLimit: 0)
        let hub = try registered(listener)
        var next = 0
        var expected = 0
        for round in 0..<200 {
            let size = 1 + round % 23
            hub.dispatch(contentsOf: batch(next..<(next + size)))
            next += size
            for _ in 0..<max(0, size - round % 3) {
                #expect(try await listener.get().name == "E\(expected)")
                expected += 1
            }
        }
        for name in listener.clear().map(\.name) {
            #expect(name == "E\(expected)")
            expected += 1
        }
        #expect(expected == next)
    }
}
