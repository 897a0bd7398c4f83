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
            added.forEach { ring.append($0) }
            expected += added
            for _ in 0..<(round % 5) {
                #expect(ring.popFirst() == expected.first)
                if !expected.isEmpty { expected.removeFirst() }
            }
            #expect(ring.count == expected.count)
        }
        #expect(ring.elements == expected)
        var drained: [Int] = []
        while let element = ring.popFirst() { drained.append(element) }
        #expect(drained == expected)
        #expect(ring.isEmpty && ring.popFirst() == nil)
    }

    @Test func shrinkingHalvesAMostlyEmptyRingAndKeepsOrder() {
        var ring = RingBuffer<Int>()
        for element in 0..<1_000 { ring.append(element) }
        for _ in 0..<900 { _ = ring.popFirst() }
        ring.shrink(toAtLeast: 64)
        #expect(ring.capacity == 256, "halved while at most a quarter full: 100 of 256 is more")
        for _ in 0..<90 { _ = ring.popFirst() }
        ring.shrink(toAtLeast: 64)
        #expect(ring.capacity == 64, "halved down to the minimum, which still holds the ten")
        ring.append(1_000)
        #expect(ring.elements == Array(990...1_000))
    }

    @Test func drainingKeepsStorageUnlessABurstGrewIt() {
        var ring = RingBuffer<Int>()
        for element in 0..<1_000 { ring.append(element) }
        while ring.popFirst() != nil {}
        #expect(ring.capacity >= 1_000)
        for element in 0...RingBuffer<Int>.retainedCapacity { ring.append(element) }
        while ring.popFirst() != nil {}
        #expect(ring.capacity == 0)
        ring.append(7)
        #expect(ring.popFirst() == 7)
    }
}
