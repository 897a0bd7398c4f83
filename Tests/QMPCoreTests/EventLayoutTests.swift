import QMPCore
import QMPTestSupport
import Testing

/// Events in QEMU's layout are parsed straight into ``Event`` and rebuild their
/// message on demand; everything else keeps the message as received. Either way
/// an event must be indistinguishable from one read through the generic parser.
@Suite("Events: QEMU's layout and every other")
struct EventLayoutTests {
    static let lines = [
        // QEMU's layout, compact, pretty and with odd spacing.
        #"{"timestamp": {"seconds": 1700000000, "microseconds": 123456}, "event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "job0"}}"#,
        #"{"timestamp": {"seconds": -1, "microseconds": -1}, "event": "STOP"}"#,
        "{\r\n    \"timestamp\": {\r\n        \"seconds\": 5,\r\n        \"microseconds\": 6\r\n    },\r\n    \"event\": \"RESUME\"\r\n}",
        #"{"timestamp":{"seconds":1,"microseconds":2},"event":"X\u00e9\"","data":{"nested":{"a":[1,2.5,null,true]}}}"#,
        // Other layouts: kept as received.
        #"{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}"#,
        #"{"timestamp": {"microseconds": 2, "seconds": 1}, "event": "STOP"}"#,
        #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP", "data": {}}"#,
        #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP", "data": null}"#,
        #"{"timestamp": {"seconds": 1.0, "microseconds": 2}, "event": "STOP"}"#,
        #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP", "data": {"a": 1}, "extra": 1}"#,
        #"{"timestamp": {"seconds": 1, "microseconds": 2}, "data": {"a": 1}, "event": "STOP"}"#,
        #"{"event": "STOP"}"#,
    ]

    @Test(arguments: lines)
    func framerEventEqualsGenericEvent(_ line: String) throws {
        let generic = try Message(parsing: Array(line.utf8))
        let expected = try Event(generic)
        var framer = MessageFramer()
        framer.append(Array((line + "\r\n").utf8))
        let (parsed, bytes) = try #require(try framer.nextParsed())
        #expect(String(decoding: bytes, as: UTF8.self) == line)
        let event: Event
        switch parsed {
        case .event(let fast): event = fast
        case .message(let message): event = try Event(message)
        }
        #expect(event == expected)
        #expect(event.name == expected.name && event.data == expected.data && event.timestamp == expected.timestamp)
        // The rebuilt message is the received one member for member, in order.
        #expect(event.message.serializedBytes() == generic.serializedBytes())
        #expect(expected.message.serializedBytes() == generic.serializedBytes())
        for key in ["event", "data", "timestamp", "extra"] { #expect(event[key] == generic[key]) }
        #expect(try framer.nextParsed() == nil)
    }

    /// The envelope's timestamp is read without the generic number parser; any number
    /// it does not take must come out as the generic parser reads it, or fail as it does.
    @Test func everyTimestampReadsAsTheGenericParserReadsIt() throws {
        var random = SplitMix64(seed: 42)
        var numbers = ["0", "-0", "1.5", "1e3", "2E1", "01", "-", "-x", "00", "1700000000.000001",
                       "9223372036854775807", "-9223372036854775808", "9223372036854775808", "123456789012345678901"]
        for length in 1...20 {
            let digits = String((0..<length).map { index in
                Character(String(Int.random(in: (index == 0 ? 1 : 0)...9, using: &random)))
            })
            numbers += [digits, "-" + digits]
        }
        for number in numbers {
            let line = #"{"timestamp": {"seconds": \#(number), "microseconds": 5}, "event": "E", "data": {"a": 1}}"#
            var framer = MessageFramer()
            framer.append(Array(line.utf8))
            let fast = Result { () throws -> Event in
                switch try framer.nextParsed()?.parsed {
                case .event(let event)?: return event
                case .message(let message)?: return try Event(message)
                case nil: throw QMPError(.malformedMessage, "incomplete")
                }
            }
            let generic = Result { try Event(Message(parsing: Array(line.utf8))) }
            switch (fast, generic) {
            case (.success(let fast), .success(let generic)):
                #expect(fast == generic && fast.timestamp == generic.timestamp, "\(number)")
            case (.failure, .failure): break
            default: Issue.record("\(number): \(fast) against \(generic)")
            }
        }
    }

    @Test func eventBytesAreLeftOutOnlyWhenAskedTo() throws {
        let reply = #"{"return": {}}"#
        var framer = MessageFramer()
        framer.append(Array((Self.lines[0] + reply + Self.lines[0]).utf8))
        let (first, firstBytes) = try #require(try framer.nextParsed(keepingEventBytes: false))
        guard case .event = first else { Issue.record("not an event: \(first)"); return }
        #expect(firstBytes.isEmpty)
        // Anything else comes with its bytes regardless.
        let (_, replyBytes) = try #require(try framer.nextParsed(keepingEventBytes: false))
        #expect(String(decoding: replyBytes, as: UTF8.self) == reply)
        let (_, lastBytes) = try #require(try framer.nextParsed())
        #expect(String(decoding: lastBytes, as: UTF8.self) == Self.lines[0])
    }

    @Test func onlyQEMUsLayoutTakesTheFastPath() throws {
        var framer = MessageFramer()
        framer.append(Array((Self.lines[0] + Self.lines[4] + #"{"return": {}}"#).utf8))
        var kinds: [String] = []
        while let (parsed, _) = try framer.nextParsed() {
            switch parsed {
            case .event: kinds.append("event")
            case .message(let message): kinds.append("\(message.kind)")
            }
        }
        #expect(kinds == ["event", "event", "success"])
    }

    @Test func aSplitEventStillParses() throws {
        let bytes = Array(Self.lines[0].utf8)
        var framer = MessageFramer()
        framer.append(bytes[..<40])
        #expect(try framer.nextParsed() == nil)
        framer.append(bytes[40...])
        let (parsed, _) = try #require(try framer.nextParsed())
        guard case .message(let message) = parsed else {
            Issue.record("a frame completed by the scan is parsed generically")
            return
        }
        #expect(try Event(message) == Event(Message(parsing: bytes)))
    }

    @Test func depthLimitAppliesAsInTheGenericParser() {
        var framer = MessageFramer()
        framer.append(Array(Self.lines[0].utf8))
        #expect(throws: QMPError.self) { try framer.nextParsed(maxDepth: 1) }
    }

    @Test func malformedEventReportsTheGenericError() {
        var framer = MessageFramer()
        framer.append(Array(#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP", "data": {"a": tru}}"#.utf8))
        #expect { try framer.nextParsed() } throws: { ($0 as? QMPError)?.code == .malformedMessage }
    }

    @Test func changingAPartChangesTheMessage() throws {
        for line in [Self.lines[0], Self.lines[9]] {
            var event = try Event(Message(parsing: Array(line.utf8)))
            event.name = "RENAMED"
            event.data["id"] = "job9"
            event.timestamp = Event.Timestamp(seconds: 7, microseconds: 8)
            #expect(event.message["event"] == "RENAMED")
            #expect(event.message["data"]?["id"] == "job9")
            #expect(event.message["timestamp"] == ["seconds": 7, "microseconds": 8])
            #expect(try Event(event.message) == event)
        }
    }

    @Test func equalEventsHashAlike() throws {
        let made = Event(name: "STOP", timestamp: Event.Timestamp(seconds: 1, microseconds: 2))
        let parsed = try Event(Message(parsing: Array(Self.lines[4].utf8)))
        // Same members in another order: equal, as their messages are.
        #expect(made == parsed)
        #expect(made.hashValue == parsed.hashValue)
        #expect(Set([made, parsed]).count == 1)
    }
}
