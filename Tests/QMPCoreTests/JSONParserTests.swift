import QMPCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test func keepsIntegersAndDoublesApart() throws {
        #expect(try JSONValue(parsing: "1") == .int(1))
        #expect(try JSONValue(parsing: "1.0") == .double(1.0))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .int(.min))
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(.max))
        #expect(try JSONValue(parsing: "9223372036854775808") == .uint(9223372036854775808))
        #expect(try JSONValue(parsing: "18446744073709551615") == .uint(.max))
        #expect(try JSONValue(parsing: "-0") == .int(0))
        #expect(try JSONValue(parsing: "-9223372036854775809") == .double(-9223372036854775808.0))
        #expect(try JSONValue(parsing: "18446744073709551616") == .double(18446744073709551616))
        #expect(try JSONValue(parsing: "123456789012345678") == .int(123456789012345678))
        #expect(try JSONValue(parsing: "[0, 7, -12]") == [0, 7, -12])
        #expect(try JSONValue(parsing: "2.5e-3") == .double(0.0025))
    }

    @Test func sharedVocabularyStringsDecodeExactly() throws {
        // Names QMP repeats come from a shared table; near misses must not match them.
        let text = #"{"event": "JOB_STATUS_CHANGE", "events": "JOB_STATUS_CHANGED", "even": "STOP", "Event": "STOP2", "data": {"status": "concluded", "id": "job-id"}}"#
        let value = try JSONValue(parsing: text)
        #expect(value.objectValue?.keys == ["event", "events", "even", "Event", "data"])
        #expect(value["event"] == "JOB_STATUS_CHANGE")
        #expect(value["events"] == "JOB_STATUS_CHANGED")
        #expect(value["even"] == "STOP")
        #expect(value["Event"] == "STOP2")
        #expect(value["data"]?["status"] == "concluded")
        #expect(value["data"]?["id"] == "job-id")
        #expect(try JSONValue(parsing: #""BLOCK_JOB_COMPLETED""#) == "BLOCK_JOB_COMPLETED")
        #expect(try JSONValue(parsing: #""BLOCK_JOB_COMPLETEX""#) == "BLOCK_JOB_COMPLETEX")
    }

    @Test func keepsMemberOrderAndLastDuplicate() throws {
        let value = try JSONValue(parsing: #"{"b": 1, "a": 2, "b": 3}"#)
        #expect(value.objectValue?.keys == ["b", "a"])
        #expect(value["b"] == 3)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue(parsing: #""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"\\/\u{8}\u{c}\n\r\té😀"))
    }

    @Test(arguments: [
        (#""\ud800""#, JSONParseError.Reason.invalidSurrogate),
        (#""\udc00x""#, .invalidSurrogate),
        (#""\ud800\u0041""#, .invalidSurrogate),
        ("[1,]", .unexpectedCharacter),
        ("01", .trailingCharacters),
        ("\"a\u{1}\"", .controlCharacterInString),
        ("[1", .unexpectedEnd),
        (#"{"a" 1}"#, .unexpectedCharacter),
        ("1.", .unexpectedEnd),
        ("-", .unexpectedEnd),
        (#""\x""#, .invalidEscape),
    ])
    func rejectsWithReason(_ text: String, _ reason: JSONParseError.Reason) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        do {
            _ = try JSONValue(parsing: text)
        } catch {
            #expect(error.reason == reason, "\(text): \(error)")
        }
    }

    @Test func namesTheOffsetOfTheBadByte() {
        do {
            _ = try JSONValue(parsing: #"{"a": tru}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 9)
            #expect(error.description.contains("offset 9"))
        }
    }

    @Test(arguments: [[0xFF], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        do {
            _ = try JSONParser.parse(bytes)
            Issue.record("parsed \(bytes)")
        } catch {
            #expect(error.reason == .invalidUTF8 || error.reason == .unexpectedCharacter)
        }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try JSONValue(parsing: deep)
            Issue.record("parsed 100,000 levels")
        } catch {
            #expect(error.reason == .tooDeep)
            #expect(error.offset == JSONParser.defaultMaxDepth)
        }
        let allowed = String(repeating: "[", count: 1_000) + String(repeating: "]", count: 1_000)
        #expect(throws: Never.self) { try JSONValue(parsing: allowed) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "[[[1]]]", maxDepth: 2) }
    }

    @Test func parsesHugeNumbersWithoutTrapping() throws {
        let digits = String(repeating: "9", count: 10_000)
        #expect { try JSONValue(parsing: digits) } throws: { ($0 as? JSONParseError)?.reason == .numberOutOfRange }
        #expect(try JSONValue(parsing: "0." + digits).doubleValue != nil)
        #expect(try JSONValue(parsing: "1e-99999") == .double(0))
    }
}
