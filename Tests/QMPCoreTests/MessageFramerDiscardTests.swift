import QMPCore
import Testing

@Suite("MessageFramer.discard(through:orAll:)")
struct MessageFramerDiscardTests {
    @Test func dropsThroughTheByteAndAbandonsAFrameUnderWay() throws {
        var framer = MessageFramer()
        framer.append(Array(#"{"a": "half"#.utf8))
        let none = try framer.nextFrame()
        #expect(none == nil)
        framer.append([0xFF] + Array(#"{"b": 1}"#.utf8))
        let found = framer.discard(through: 0xFF, orAll: false)
        #expect(found)
        let next = try framer.nextMessage()
        #expect(next?.message["b"] == 1)
    }

    @Test func absentByteDropsAllOrNothing() throws {
        var framer = MessageFramer()
        framer.append(Array(#"{"a": 1}"#.utf8))
        let kept = framer.discard(through: 0xFF, orAll: false)
        #expect(!kept)
        #expect(framer.bufferedByteCount == 8)
        let dropped = framer.discard(through: 0xFF, orAll: true)
        #expect(!dropped)
        #expect(framer.bufferedByteCount == 0)
        framer.append(Array(#"{"c": 2}"#.utf8))
        let next = try framer.nextMessage()
        #expect(next?.message["c"] == 2)
    }
}
