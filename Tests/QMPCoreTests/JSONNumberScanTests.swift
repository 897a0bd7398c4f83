import QMPCore
import QMPTestSupport
import Testing

/// Integers are read eight digits at a time where eight follow; every length, every
/// neighbour of the digit range ('/' and ':') at every position, and the edges of
/// `Int64` must read exactly as a digit-by-digit conversion would.
@Suite("JSON numbers: the eight-digits-at-a-time scan")
struct JSONNumberScanTests {
    private func parsed(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test(arguments: 1...19)
    func integersOfEveryLength(_ length: Int) throws {
        var random = SplitMix64(seed: UInt64(length))
        for _ in 0..<200 {
            let digits = String((0..<length).map { index in
                Character(String(Int.random(in: (index == 0 && length > 1 ? 1 : 0)...9, using: &random)))
            })
            for text in [digits, "-" + digits] {
                let expected: JSONValue = Int64(text).map { .int($0) } ?? UInt64(text).map { .uint($0) } ?? .double(Double(text) ?? .nan)
                #expect(try parsed(text) == expected, "\(text)")
                #expect(try parsed("[\(text)]") == .array([expected]), "\(text) inside an array")
            }
        }
    }

    @Test(arguments: 0..<12)
    func aNonDigitNeighbourEndsTheNumberWhereverItFalls(_ digits: Int) throws {
        let number = String(repeating: "7", count: digits + 1)
        for neighbour in ["/", ":", "\u{7F}", "A"] {
            // Followed by more bytes, so the eight-byte window covers the neighbour.
            #expect(throws: JSONParseError.self, "\(number)\(neighbour)") { try parsed("\(number)\(neighbour)00000000") }
            #expect(try parsed("[\(number), 1]") == .array([.int(Int64(number) ?? 0), .int(1)]))
        }
    }

    @Test func theEdgesOfInt64() throws {
        #expect(try parsed("9223372036854775807") == .int(.max))
        #expect(try parsed("-9223372036854775808") == .int(.min))
        #expect(try parsed("9223372036854775808") == .uint(9223372036854775808))
        #expect(try parsed("18446744073709551615") == .uint(.max))
        #expect(try parsed("18446744073709551616") == .double(18446744073709551616))
        #expect(try parsed("-9223372036854775809") == .double(Double("-9223372036854775809") ?? 0))
        #expect(try parsed("12345678901234567890123") == .double(Double("12345678901234567890123") ?? 0))
        #expect(try parsed("1700000000.5") == .double(1700000000.5))
        #expect(try parsed("12345678e2") == .double(12345678e2))
    }
}
