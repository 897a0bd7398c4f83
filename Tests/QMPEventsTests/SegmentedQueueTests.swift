@testable import QMPEvents
import QMPTestSupport
import Testing

@Suite("Segmented queue")
struct SegmentedQueueTests {
    final class Tracked {
        let value: Int
        init(_ value: Int) { self.value = value }
    }

    @Test func keepsOrderAcrossBatchesPopsAndDrops() {
        var queue = SegmentedQueue<Int>()
        var expected: [Int] = []
        var next = 0
        for round in 0..<300 {
            let batch = (0..<(round % 7)).map { _ in next += 1; return next }
            queue.append(contentsOf: batch[...])
            expected += batch
            if round % 3 == 0 {
                let drop = round % 11
                queue.removeFirst(drop)
                expected.removeFirst(min(drop, expected.count))
            }
            for _ in 0..<(round % 4) {
                #expect(queue.popFirst() == expected.first)
                if !expected.isEmpty { expected.removeFirst() }
            }
            #expect(queue.count == expected.count)
            #expect(queue.elements == expected)
        }
        #expect(queue.removeAll() == expected)
        #expect(queue.isEmpty && queue.popFirst() == nil)
    }

    /// Counts the elements alive, to see what a queue keeps, read or not.
    final class Census {
        var alive = 0
    }

    final class Counted {
        let census: Census
        init(_ census: Census) {
            self.census = census
            census.alive += 1
        }
        deinit { census.alive -= 1 }
    }

    /// A batch as the reader hands it over: an array with room to spare.
    private static func batch(_ count: Int, _ census: Census) -> [Counted] {
        var batch: [Counted] = []
        batch.reserveCapacity(count + count / 2)
        for _ in 0..<count { batch.append(Counted(census)) }
        return batch
    }

    @Test func aSharedBatchIsReleasedOnceReadOrMostlyDropped() {
        var queue = SegmentedQueue<Tracked>()
        weak var first: Tracked?
        weak var second: Tracked?
        // Room to spare, as the reader's batches have; malloc may round it up.
        let slots: Int
        do {
            var batch = [Tracked]()
            batch.reserveCapacity(33)
            for value in 1...32 { batch.append(Tracked(value)) }
            first = batch[0]
            second = batch[1]
            slots = batch.capacity
            queue.append(contentsOf: batch[...])
        }
        #expect(queue.retainedCount == slots, "kept as a slice of the batch, its spare room counted")
        #expect(queue.popFirst()?.value == 1)
        // Read, but still inside its batch: a pop never copies.
        #expect(first != nil)
        // The fewest of its elements for which a batch is kept: half its slots.
        let half = (slots + 1) / 2
        queue.removeFirst(31 - half)
        #expect(second != nil && queue.count == half, "half the batch is still queued")
        queue.removeFirst(1)
        // Fewer than half left: those are copied out and the batch goes.
        #expect(first == nil && second == nil)
        #expect(queue.count == half - 1 && queue.retainedCount < 2 * (half - 1))
        #expect(queue.popFirst()?.value == 34 - half)
    }

    @Test func smallBatchesAreCopiedIntoOneSegment() {
        let census = Census()
        var queue = SegmentedQueue<Counted>()
        var batches: [[Counted]] = []
        for size in [1, 3, 15, 2] {
            let batch = Self.batch(size, census)
            batches.append(batch)
            queue.append(contentsOf: batch[...])
        }
        // The copy grows as an array does, by doubling.
        #expect(queue.segmentCount == 1 && queue.count == 21 && queue.retainedCount < 3 * 21)
        batches.removeAll()
        #expect(census.alive == 21, "the copies keep only the events, not the batches' spare room")
        queue.append(contentsOf: Self.batch(16, census)[...])
        queue.append(contentsOf: Self.batch(1, census)[...])
        #expect(queue.segmentCount == 3, "a batch of 16 is shared, and the next small one starts a new copy")
        #expect(queue.removeAll().count == 38)
        #expect(census.alive == 0)
    }

    @Test(arguments: [1, 4, 40])
    func aHistoryFedSmallBatchesKeepsItsRingSmall(_ largestBatch: Int) {
        // A listener's history of 1,000 (ListenerState.appendHistory) over a long
        // client lifetime, a few events per read. With a segment per batch, its
        // ring grew to 1,024 slots and never gave them back.
        var random = SplitMix64(seed: UInt64(largestBatch))
        var queue = SegmentedQueue<Int>()
        let limit = 1_000
        var next = 0
        var largestRing = 0
        for _ in 0..<50_000 {
            var batch: [Int] = []
            batch.reserveCapacity(largestBatch * 2)
            for _ in 0..<Int.random(in: 1...largestBatch, using: &random) { next += 1; batch.append(next) }
            queue.append(contentsOf: batch[...])
            if queue.count > limit { queue.removeFirst(queue.count - limit) }
            largestRing = max(largestRing, queue.segmentCapacity)
        }
        #expect(queue.elements == Array((next - limit + 1)...next))
        let bound = 2 * limit / SegmentedQueue<Int>.smallestShared + limit / SegmentedQueue<Int>.copyLimit + 2
        #expect(queue.segmentCount <= bound)
        #expect(largestRing <= 256, "the ring grew to \(largestRing) slots for \(limit) elements")
    }

    @Test func aHistoryGivesBackTheRingSlotsOfAPeak() {
        // Shared batches of 16 with a small one between: two segments per 17 elements.
        var queue = SegmentedQueue<Int>()
        let limit = 1_000
        func add(_ count: Int) {
            var batch: [Int] = []
            batch.reserveCapacity(count + 1)
            batch.append(contentsOf: 0..<count)
            queue.append(contentsOf: batch[...])
            if queue.count > limit { queue.removeFirst(queue.count - limit) }
        }
        for _ in 0..<200 {
            add(16)
            add(1)
        }
        #expect(queue.segmentCount > 100 && queue.segmentCapacity >= 128)
        for _ in 0..<10 { add(500) }
        #expect(queue.segmentCount <= 3)
        #expect(queue.segmentCapacity == SegmentedQueue<Int>.retainedSegmentSlots)
        #expect(queue.count == limit)
    }

    @Test func aSliceOfLessThanHalfItsBatchIsCopied() {
        let census = Census()
        var queue = SegmentedQueue<Counted>()
        do {
            let batch = Self.batch(10, census)
            queue.append(contentsOf: batch[6...])  // ends with its array, but 4 of 10
            queue.append(contentsOf: batch[..<4])   // a prefix: the array's length is unknown
            queue.append(contentsOf: batch[4..<6])
        }
        #expect(census.alive == 10, "each slice is copied; the copies hold all ten")
        #expect(queue.count == 10 && queue.retainedCount < 2 * 10)
        #expect(queue.removeAll().count == 10)
        #expect(census.alive == 0)
    }

    @Test func aBufferingOldestListenerReadingOnePerBatchKeepsOnlyItsLimit() {
        // As ListenerState queues for `bufferingOldest(100)`: what fits of each batch,
        // while the reader takes one event per 1,000-event batch. Slices of a few
        // events once kept each whole batch: 100 batches, 100,000 events.
        let census = Census()
        let limit = 100
        var queue = SegmentedQueue<Counted>()
        for _ in 0..<300 {
            let batch = Self.batch(1_000, census)
            _ = queue.popFirst()
            let room = min(limit - queue.count, batch.count)
            queue.append(contentsOf: batch[...].prefix(room))
            #expect(queue.count <= limit)
        }
        #expect(queue.count == limit)
        #expect(queue.retainedCount <= 4 * limit)
        #expect(census.alive <= 4 * limit, "\(census.alive) events alive for a queue of \(limit)")
    }

    @Test func aBufferingNewestListenerKeepsOnlyItsLimit() {
        // As ListenerState queues for `bufferingNewest(100)` (and keeps a history):
        // the whole batch, then the oldest dropped down to the limit.
        let census = Census()
        let limit = 100
        var queue = SegmentedQueue<Counted>()
        for round in 0..<300 {
            let batch = Self.batch(round % 2 == 0 ? 1_000 : 30, census)
            if round % 3 == 0 { _ = queue.popFirst() }
            queue.append(contentsOf: batch[...])
            queue.removeFirst(queue.count - limit)
            #expect(queue.count <= limit)
            #expect(queue.retainedCount <= 4 * limit)
        }
        #expect(census.alive <= 4 * limit, "\(census.alive) events alive for a queue of \(limit)")
    }

    @Test func anUnboundedQueueSharesWholeBatches() {
        // The flood path: whole batches, read one by one, are never copied.
        let census = Census()
        var queue = SegmentedQueue<Counted>()
        var batches: [[Counted]] = []
        for _ in 0..<5 {
            let batch = Self.batch(50, census)
            batches.append(batch)
            queue.append(contentsOf: batch[...])
        }
        #expect(census.alive == 250, "no copies")
        let unreadSlots = batches.dropFirst().reduce(0) { $0 + $1.capacity }
        batches.removeAll()
        for _ in 0..<75 { _ = queue.popFirst() }
        #expect(census.alive == 200, "the first batch went when it was read; the second is half read")
        #expect(queue.count == 175 && queue.retainedCount == unreadSlots)
    }

    /// As the reader hands over a batch after a far larger one: it reserves each batch at
    /// the size of the last, so a few events came in an array of 10,000 slots, which a
    /// listener keeping them kept whole. Small batches too: the copy that was to take
    /// their events out, `Array(batch[...])`, took the whole array's storage instead.
    @Test(arguments: [5, 20])
    func aBatchWhoseArrayIsMostlySpareRoomIsCopied(count: Int) {
        let census = Census()
        var queue = SegmentedQueue<Counted>()
        var batch: [Counted] = []
        batch.reserveCapacity(10_000)
        for _ in 0..<count { batch.append(Counted(census)) }
        queue.append(contentsOf: batch[...])
        #expect(queue.count == count && queue.retainedCount < 2 * count)
        // Had the queue kept the batch's array, adding to the batch would copy it.
        let storage = batch.withUnsafeBufferPointer { $0.baseAddress }
        batch.append(Counted(census))
        #expect(batch.withUnsafeBufferPointer { $0.baseAddress } == storage, "the queue kept the batch's 10,000 slots")
        #expect(queue.removeAll().count == count)
    }
}
