@testable import QMPCore
import Testing

/// Events read by one framer keep their `data` members side by side in shared storage.
/// Each must still behave as an independent value, and the storage must go when they do.
@Suite("Shared member storage")
struct SharedMemberStorageTests {
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

    @Test func eventsOfOneReadShareStorageYetChangeIndependently() throws {
        let text = (0..<10).map { Self.eventLine("JOB_STATUS_CHANGE", data: #"{"status": "running", "id": "job\#($0)"}"#) }.joined()
        var events = try Self.events(in: text)
        try #require(events.count == 10)
        #expect(events[0].data.storageObject === events[9].data.storageObject)

        events[3].data["status"] = "concluded"
        events[4].data["extra"] = true
        events[5].data["id"] = nil
        for (index, event) in events.enumerated() {
            let status = index == 3 ? "concluded" : "running"
            switch index {
            case 4: #expect(event.data == ["status": .string(status), "id": .string("job4"), "extra": true])
            case 5: #expect(event.data == ["status": "running"])
            default: #expect(event.data == ["status": .string(status), "id": .string("job\(index)")])
            }
            #expect(event.message.description.contains("\"job\(index)\"") == (index != 5))
        }
        #expect(events[3].data.storageObject !== events[2].data.storageObject, "a changed object gets storage of its own")
        #expect(events[2].data.keys == ["status", "id"])
    }

    @Test func objectsLargerThanWhatIsLeftMoveWholeAndKeepTheirOrder() throws {
        // Small events fill shared storages, then objects of 100 and 300 members (both
        // larger than a shared storage) have to move mid-object, more than once.
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

    @Test func anEventCutOffMidDataLeavesNothingBehind() throws {
        // The second event's first members go to shared storage before its bytes run
        // out; they must be dropped again, and the event read whole once the rest arrives.
        let second = Self.eventLine("B", data: #"{"first": "one", "second": [1, 2], "third": {"x": 3}}"#)
        let cut = second.utf8.count - 20
        let chunks = [
            Self.eventLine("A", data: #"{"a": 1}"#) + String(decoding: Array(second.utf8)[..<cut], as: UTF8.self),
            String(decoding: Array(second.utf8)[cut...], as: UTF8.self) + Self.eventLine("C", data: #"{"c": 3}"#),
        ]
        let messages = try Self.messages(in: chunks)
        #expect(messages.map { $0["data"] } == [["a": 1], ["first": "one", "second": [1, 2], "third": ["x": 3]], ["c": 3]])
        let shared = try #require(messages.first?["data"]?.objectValue?.storageObject as? MemberStorage)
        #expect(messages.last?["data"]?.objectValue?.storageObject === shared)
        #expect(shared.initializedCount == 2, "only A's and C's members are left in the shared storage")
    }

    @Test func anObjectLeftAloneInSharedStorageMovesOutWhenChanged() throws {
        // 100 events of two members fill several shared storages (64 members each); once
        // only the eleventh is left, its storage is unique, yet it does not start there.
        let text = (0..<100).map { Self.eventLine("E", data: #"{"n": \#($0), "s": "\#(String(repeating: "x", count: $0 % 20))"}"#) }.joined()
        var events = try Self.events(in: text)
        var kept = events[10]
        events.removeAll()
        weak let oldStorage = kept.data.storageObject
        kept.data["n"] = "changed"
        kept.data["t"] = 1
        #expect(kept.data == ["n": "changed", "s": .string(String(repeating: "x", count: 10)), "t": 1])
        #expect(oldStorage == nil, "moved out, and the rest of the old storage freed")
        kept.data["s"] = nil
        #expect(kept.data.keys == ["n", "t"])
    }

    @Test func anEventInAnotherLayoutIsReadWhole() throws {
        // Its data is parsed into shared storage before the extra member shows the
        // layout is not QEMU's; the generic parser then reads the message as sent.
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

    @Test func storageGoesWithTheLastEventThatUsesIt() throws {
        weak var storage: AnyObject?
        var events = try Self.events(in: (0..<5).map { Self.eventLine("E", data: #"{"n": \#($0), "nested": {"x": [1]}}"#) }.joined())
        storage = events[0].data.storageObject
        #expect(storage != nil)
        // A nested object has storage of its own, so it cannot keep the shared one alive.
        let nested = events[4].data["nested"]
        #expect(nested?["x"] == [1])
        #expect(nested?.objectValue?.storageObject !== storage)
        events.removeAll()
        #expect(storage == nil)
    }

    @Test func aCopiedFramerNeverAppendsToItsTwinsStorage() throws {
        // Copies may be used on different threads; appending to one storage from both
        // would be a data race. Each copy's next events go to a storage of its own.
        var original = MessageFramer()
        original.append(Array(Self.eventLine("A", data: #"{"a": 1}"#).utf8))
        let first = try #require(try original.nextParsed()).parsed
        var copy = original
        let line = Self.eventLine("B", data: #"{"b": 2}"#)
        original.append(Array(line.utf8))
        copy.append(Array(line.utf8))
        guard case .event(let fromOriginal) = try #require(try original.nextParsed()).parsed,
              case .event(let fromCopy) = try #require(try copy.nextParsed()).parsed,
              case .event(let before) = first
        else { Issue.record("not read as events"); return }
        #expect(fromOriginal.data == ["b": 2] && fromCopy.data == ["b": 2] && before.data == ["a": 1])
        #expect(fromOriginal.data.storageObject !== fromCopy.data.storageObject)
    }

    @Test func anObjectStaysTwoWordsAndAValueThree() {
        // 32-bit bounds keep the range beside the reference; a larger object would grow
        // every JSONValue, member and event.
        #expect(MemoryLayout<JSONObject>.size == 16)
        #expect(MemoryLayout<JSONValue>.stride == 24)
        #expect(MemoryLayout<JSONObject.Member>.stride == 40)
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
        #expect(original.isEmpty && original.storageObject == nil)
        #expect(original == JSONObject())
        #expect(copy == ["c": 3, "b": 2, "a": 1], "equality ignores order")
        #expect(copy.hashValue == (["c": 3, "b": 2, "a": 1] as JSONObject).hashValue)
    }
}
