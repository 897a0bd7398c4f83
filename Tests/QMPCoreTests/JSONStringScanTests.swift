import QMPCore
import Testing

/// Strings are scanned eight bytes at a time; whatever ends the fast scan (a quote,
/// an escape, a control character, a non-ASCII byte) must be found at every
/// position within and across those words, exactly where a byte-by-byte scan would.
@Suite("JSON strings: the word-at-a-time scan")
struct JSONStringScanTests {
    private static let before = Array(0..<20)

    private func parse(_ prefix: Int, _ special: [UInt8], _ suffix: Int = 11) -> Result<JSONValue, JSONParseError> {
        let bytes = [UInt8(ascii: "\"")] + [UInt8](repeating: UInt8(ascii: "a"), count: prefix) + special
            + [UInt8](repeating: UInt8(ascii: "b"), count: suffix) + [UInt8(ascii: "\"")]
        return Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
    }

    private func text(_ prefix: Int, _ middle: String, _ suffix: Int = 11) -> String {
        String(repeating: "a", count: prefix) + middle + String(repeating: "b", count: suffix)
    }

    @Test(arguments: before)
    func findsTheClosingQuoteAtEveryPosition(_ length: Int) throws {
        let bytes = Array(("\"" + String(repeating: "x", count: length) + "\"  ").utf8)
        #expect(try JSONParser.parse(bytes) == .string(String(repeating: "x", count: length)))
    }

    @Test(arguments: before)
    func escapesAtEveryPosition(_ prefix: Int) throws {
        #expect(try parse(prefix, Array(#"\n"#.utf8)).get() == .string(text(prefix, "\n")))
        #expect(try parse(prefix, Array(#"\""#.utf8)).get() == .string(text(prefix, "\"")))
    }

    @Test(arguments: before)
    func nonASCIIAndDeleteAtEveryPosition(_ prefix: Int) throws {
        #expect(try parse(prefix, Array("é€😀".utf8)).get() == .string(text(prefix, "é€😀")))
        #expect(try parse(prefix, [0x7F]).get() == .string(text(prefix, "\u{7F}")))
        #expect(try parse(prefix, [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7E]).get() == .string(text(prefix, " !#[]~")))
    }

    @Test(arguments: before)
    func rejectsControlAndInvalidBytesAtTheirOffset(_ prefix: Int) {
        for (special, reason) in [([UInt8(0x01)], JSONParseError.Reason.controlCharacterInString),
                                  ([0x1F], .controlCharacterInString), ([0x0A], .controlCharacterInString),
                                  ([0xFF], .invalidUTF8), ([0xC0, 0x80], .invalidUTF8), ([0xED, 0xA0, 0x80], .invalidUTF8)] {
            guard case .failure(let error) = parse(prefix, special) else {
                Issue.record("accepted \(special) after \(prefix) bytes")
                continue
            }
            #expect(error.reason == reason && error.offset == prefix + 1, "\(special) after \(prefix): \(error)")
        }
    }
}
