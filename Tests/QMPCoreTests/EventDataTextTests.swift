import QMPCore
import Testing

/// The reader validates an event's `data` without building it and keeps its
/// text; members are parsed only when read. Whatever is read must be exactly
/// what the generic parser builds, and the two must accept the same input.
@Suite("Events: data kept as text until read")
struct EventDataTextTests {
    static let prefix = #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "X", "data": "#

    /// `document` as the data of an event in QEMU's layout, through the reader's path.
    static func readerPath(_ document: [UInt8]) -> Result<MessageFramer.Parsed?, QMPError> {
        var framer = MessageFramer()
        framer.append(Array(prefix.utf8) + document + Array("}\r\n".utf8))
        return Result { () throws(QMPError) in try framer.nextParsed()?.parsed }
    }

    /// The same line through the generic parser: `nil` when it is not valid JSON.
    static func genericPath(_ document: [UInt8]) -> Message? {
        try? Message(parsing: Array(prefix.utf8) + document + Array("}".utf8))
    }

    @Test("every corpus document as data: the fast path agrees with the generic parser",
          arguments: JSONTestSuite.files(prefix: "y_") + JSONTestSuite.files(prefix: "n_") + JSONTestSuite.files(prefix: "i_"))
    func agreesWithTheGenericParser(_ name: String) throws {
        let document = try JSONTestSuite.bytes(name)
        let generic = Self.genericPath(document)
        switch Self.readerPath(document) {
        case .success(.event(let event)?):
            let message = try #require(generic, "\(name): the fast path accepted what the parser rejects")
            let expected = try Event(message)
            #expect(event == expected)
            #expect(event.data.members == expected.data.members)
            #expect(event.data.count == expected.data.count)
            for member in expected.data.members { #expect(event.data[member.key] == member.value) }
            #expect(event.data["no such member"] == nil)
            #expect(event.message.serializedBytes() == message.serializedBytes())
            #expect(event.hashValue == expected.hashValue)
        case .success(.message(let message)?):
            // (`generic` is nil when the document closes the line early and leaves trailing bytes.)
            if let generic { #expect(message == generic, "\(name)") }
            // Valid non-empty object data must take the fast path: the validator may not reject it.
            if case .object(let data)? = generic?["data"], !data.isEmpty {
                Issue.record("\(name): the validator rejected valid data \(data)")
            }
        case .success(nil):
            // Unbalanced input: the framer waits for the rest of the frame.
            #expect(generic == nil, "\(name): a complete line gave no message")
        case .failure:
            #expect(generic == nil, "\(name): the reader failed on input the parser accepts")
        }
    }

    static func fastEvent(_ data: String) throws -> Event {
        let result = readerPath(Array(data.utf8))
        guard case .success(.event(let event)?) = result else {
            throw QMPError(.malformedMessage, "not on the fast path: \(result)")
        }
        return event
    }

    @Test func aRepeatedKeyReadsItsLastValueOnce() throws {
        let event = try Self.fastEvent(#"{"a": 1, "b": [2], "a": {"c": 3}}"#)
        #expect(event.data["a"] == ["c": 3])
        #expect(event.data.keys == ["a", "b"])
        #expect(event.data["b"] == [2])
    }

    @Test func escapedAndNonASCIIKeysMatchWhatTheyDecodeTo() throws {
        let event = try Self.fastEvent(#"{"i\u0064": "job0", "caf\u00e9": 1, "naïve": 2, "a\"b": 3}"#)
        #expect(event.data["id"] == "job0")
        #expect(event.data["café"] == 1)
        #expect(event.data["naïve"] == 2)
        #expect(event.data["a\"b"] == 3)
        #expect(event.data["i\\u0064"] == nil)
    }

    @Test func changingTextDataChangesTheEvent() throws {
        var event = try Self.fastEvent(#"{"status": "running", "id": "job0"}"#)
        event.data["status"] = "concluded"
        event.data.removeValue(forKey: "id")
        event.data["new"] = true
        #expect(event.data.members == [.init(key: "status", value: "concluded"), .init(key: "new", value: true)])
        #expect(event.message["data"] == ["status": "concluded", "new": true])
    }

    @Test func textAndBuiltObjectsCompareAndHashAlike() throws {
        let text = try Self.fastEvent(#"{"status": "running", "id": "job0"}"#).data
        let reordered = try Self.fastEvent(#"{"id": "job0", "status": "running"}"#).data
        let built: JSONObject = ["status": "running", "id": "job0"]
        #expect(text == built && built == text && text == reordered)
        #expect(text.hashValue == built.hashValue && text.hashValue == reordered.hashValue)
        #expect(text != ["status": "running"])
        #expect(!text.isEmpty)
    }

    @Test func dataDeeperThanTheLimitFailsAsInTheGenericParser() {
        var framer = MessageFramer()
        framer.append(Array((Self.prefix + #"{"a": {"b": [1]}}}"#).utf8))
        #expect { try framer.nextParsed(maxDepth: 3) } throws: { ($0 as? QMPError)?.code == .malformedMessage }
        var deepEnough = MessageFramer()
        deepEnough.append(Array((Self.prefix + #"{"a": {"b": [1]}}}"#).utf8))
        guard case (.event(let event), _)? = try? deepEnough.nextParsed(maxDepth: 4) else {
            Issue.record("four levels fit a limit of four")
            return
        }
        #expect(event.data["a"] == ["b": [1]])
    }
}
