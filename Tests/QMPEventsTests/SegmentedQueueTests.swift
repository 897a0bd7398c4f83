@testable import QMPEvents
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

    @Test func aBatchIsReleasedOnceAllOfItIsReadOrDropped() {
        var queue = SegmentedQueue<Tracked>()
        weak var first: Tracked?
        weak var second: Tracked?
        do {
            let batch = [Tracked(1), Tracked(2), Tracked(3)]
            first = batch[0]
            second = batch[1]
            queue.append(contentsOf: batch[...])
        }
        #expect(queue.popFirst()?.value == 1)
        // Read, but still inside its batch: the bound the type documents.
        #expect(first != nil)
        queue.removeFirst(1)
        #expect(second != nil && queue.count == 1)
        #expect(queue.popFirst()?.value == 3)
        #expect(first == nil && second == nil, "the drained batch is gone")
    }
}
