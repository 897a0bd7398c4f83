@testable import QMPEvents
import Testing

@Suite("Ring buffer")
struct RingBufferTests {
    @Test func keepsOrderAcrossWrapAroundAndGrowth() {
        var ring = RingBuffer<Int>()
        var expected: [Int] = []
        var next = 0
        for round in 0..<300 {
            let added = (0..<(round % 7 + 1)).map { _ in next += 1; return next }
            if round % 2 == 0 { ring.append(contentsOf: added) } else { added.forEach { ring.append($0) } }
            expected += added
            for _ in 0..<(round % 5) {
                #expect(ring.popFirst() == expected.first)
                if !expected.isEmpty { expected.removeFirst() }
            }
            #expect(ring.count == expected.count)
        }
        #expect(ring.elements == expected)
        #expect(ring.removeAll() == expected)
        #expect(ring.isEmpty && ring.popFirst() == nil)
    }

    @Test func drainingKeepsStorageUnlessABurstGrewIt() {
        var ring = RingBuffer<Int>()
        ring.append(contentsOf: 0..<1_000)
        while ring.popFirst() != nil {}
        #expect(ring.capacity >= 1_000)
        ring.append(contentsOf: 0..<(RingBuffer<Int>.retainedCapacity + 1))
        while ring.popFirst() != nil {}
        #expect(ring.capacity == 0)
        ring.append(7)
        #expect(ring.popFirst() == 7)
    }
}
