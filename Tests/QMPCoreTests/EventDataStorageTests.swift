@testable import QMPCore
import Testing

/// The `data` of events read by a framer: each event owns its members, so keeping
/// one event keeps nothing of its neighbours alive, and each behaves as an independent value.
@Suite("Event data storage")
struct EventDataStorageTests {
    private static func eventLine(_ name: String, data: String) -> String {
        #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "\#(name)", "data": \#(data)}"# + "\r\n"
    }

    /// Every event the framer reads from `text`, in order.
    private static func events(in text: String) throws -> [Event] {
        var framer = MessageFramer()
        framer.append(Array(text.utf8))
        var events: [Event] = []
        while let (parsed, _) = try framer.nextParsed() {
            guard case .event(let event) = parsed else {
                Issue.record("not read as an event in QEMU's layout: \(parsed)")
                continue
            }
            events.append(event)
        }
        return events
    }

    @Test func aKeptEventKeepsOnlyItsOwnMembers() throws {
        // Events once shared one member storage per 64 members: keeping 1 event in 32
        // kept all of their data. Now each event's members are an array of its own,
        // holding its members and no room for more than the parser reserved.
        let text = (0..<96).map { Self.eventLine("E", data: #"{"n": \#($0), "s": "\#(String(repeating: "x", count: 40))"}"#) }.joined()
        var events = try Self.events(in: text)
        try #require(events.count == 96)
        let buffers = Set(events.map { event in event.data.members.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } })
        #expect(buffers.count == 96, "no two events share member storage")
        let kept = stride(from: 0, to: 96, by: 32).map { events[$0] }
        events.removeAll()
        for (index, event) in zip(stride(from: 0, to: 96, by: 32), kept) {
            #expect(event.data == ["n": .int(Int64(index)), "s": .string(String(repeating: "x", count: 40))])
            #expect(event.data.members.capacity < 8, "room for its own members only, not a neighbour's")
        }
    }

    @Test func objectsOfEverySizeKeepTheirMembersInOrder() throws {
        let sizes = Array(repeating: 2, count: 50) + [100, 1, 300, 2]
        let text = sizes.enumerated().map { index, size in
            let members = (0..<size).map { #""m\#($0)": \#(index * 1_000 + $0)"# }.joined(separator: ", ")
            return Self.eventLine("E\(index)", data: "{\(members)}")
        }.joined()
        let events = try Self.events(in: text)
        try #require(events.count == sizes.count)
        for (index, (event, size)) in zip(events, sizes).enumerated() {
            #expect(event.data.keys == (0..<size).map { "m\($0)" }, "event \(index)")
            #expect(event.data.map(\.value) == (0..<size).map { .int(Int64(index * 1_000 + $0)) }, "event \(index)")
        }
    }

    @Test func repeatedKeysKeepTheLastValueInSmallAndLargeObjects() throws {
        let large = (0..<20).map { #""k\#($0)": \#($0)"# }.joined(separator: ", ")
        let text = Self.eventLine("A", data: #"{"a": 1, "b": 2, "a": 3}"#)
            + Self.eventLine("B", data: "{\(large), \"k3\": \"again\", \"k19\": null}")
        let events = try Self.events(in: text)
        try #require(events.count == 2)
        #expect(events[0].data.keys == ["a", "b"])
        #expect(events[0].data["a"] == 3)
        #expect(events[1].data.count == 20)
        #expect(events[1].data["k3"] == "again")
        #expect(events[1].data["k19"] == .null)
    }

    /// Every message the framer reads from `chunks`, appended one by one.
    private static func messages(in chunks: [String]) throws -> [Message] {
        var framer = MessageFramer()
        var messages: [Message] = []
        for chunk in chunks {
            framer.append(Array(chunk.utf8))
            while let (parsed, _) = try framer.nextParsed() {
                switch parsed {
                case .event(let event): messages.append(event.message)
                case .message(let message): messages.append(message)
                }
            }
        }
        return messages
    }

    @Test func anEventCutOffMidDataIsReadWholeOnceTheRestArrives() throws {
        let second = Self.eventLine("B", data: #"{"first": "one", "second": [1, 2], "third": {"x": 3}}"#)
        let cut = second.utf8.count - 20
        let chunks = [
            Self.eventLine("A", data: #"{"a": 1}"#) + String(decoding: Array(second.utf8)[..<cut], as: UTF8.self),
            String(decoding: Array(second.utf8)[cut...], as: UTF8.self) + Self.eventLine("C", data: #"{"c": 3}"#),
        ]
        let messages = try Self.messages(in: chunks)
        #expect(messages.map { $0["data"] } == [["a": 1], ["first": "one", "second": [1, 2], "third": ["x": 3]], ["c": 3]])
    }

    @Test func anEventInAnotherLayoutIsReadWhole() throws {
        // Its data is parsed before the extra member shows the layout is not QEMU's;
        // the generic parser then reads the message as sent.
        let line = #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "X", "data": {"a": 1}, "extra": 2}"#
        let messages = try Self.messages(in: [line + "\r\n" + Self.eventLine("Y", data: #"{"b": 2}"#)])
        #expect(messages.map { $0["data"] } == [["a": 1], ["b": 2]])
        #expect(messages.first?.object.keys == ["timestamp", "event", "data", "extra"])
    }

    @Test func malformedDataIsAnError() {
        var framer = MessageFramer()
        framer.append(Array(Self.eventLine("BAD", data: #"{"a": 1, "b": tru}"#).utf8))
        #expect(throws: QMPError.self) { try framer.nextParsed() }
    }

    @Test func copiesOfAnObjectAreIndependentValues() {
        var original: JSONObject = ["a": 1, "b": 2, "c": 3]
        let copy = original
        original["b"] = nil
        original["d"] = 4
        #expect(copy.keys == ["a", "b", "c"])
        #expect(original.keys == ["a", "c", "d"])
        #expect(original.removeValue(forKey: "a") == 1)
        #expect(original.removeValue(forKey: "zz") == nil)
        original["c"] = nil
        original["d"] = nil
        #expect(original.isEmpty)
        #expect(original == JSONObject())
        #expect(copy == ["c": 3, "b": 2, "a": 1], "equality ignores order")
        #expect(copy.hashValue == (["c": 3, "b": 2, "a": 1] as JSONObject).hashValue)
    }
}
