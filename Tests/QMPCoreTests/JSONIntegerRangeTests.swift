import Foundation
import QMPCore
import Testing

/// QAPI has `uint64` members (sizes, `qom-get` of a `uint64` property): every integer up to
/// `UInt64.max` must survive parse → JSONValue → serialize → decode exactly, as `Int64`'s do.
@Suite("Integers up to UInt64.max")
struct JSONIntegerRangeTests {
    struct Sizes: Codable, Equatable {
        var size: UInt64
        var offset: Int64
    }

    @Test(arguments: ["18446744073709551615", "9223372036854775808", "12345678901234567890"])
    func aLargeUnsignedIntegerStaysExact(_ text: String) throws {
        let expected = try #require(UInt64(text))
        let value = try JSONValue(parsing: text)
        #expect(value == .uint(expected))
        #expect(value.uint64Value == expected)
        #expect(value.intValue == nil, "above Int64.max")
        #expect(value.serialized() == text)
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(try JSONValueDecoder().decode(UInt64.self, from: value) == expected)
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Int64.self, from: value) }
    }

    @Test func aReplyWithBothKindsDecodesExactly() throws {
        let reply = try JSONValue(parsing: #"{"size": 18446744073709551615, "offset": -9223372036854775808}"#)
        let sizes = try JSONValueDecoder().decode(Sizes.self, from: reply)
        #expect(sizes == Sizes(size: .max, offset: .min))
        let encoded = try JSONValueEncoder().encode(sizes)
        #expect(encoded == reply)
        #expect(encoded["size"] == .uint(.max) && encoded["offset"] == .int(.min))
        #expect(encoded.serialized() == #"{"size":18446744073709551615,"offset":-9223372036854775808}"#)
    }

    @Test func foundationsCodersCarryItToo() throws {
        // JSONValue's own Codable conformance, through a decoder that is not ours.
        let value = try JSONDecoder().decode(JSONValue.self, from: Data("[18446744073709551615, -1]".utf8))
        #expect(value == [.uint(.max), .int(-1)])
        let reencoded = try JSONDecoder().decode([UInt64].self, from: JSONEncoder().encode([JSONValue.uint(.max)]))
        #expect(reencoded == [.max])
    }

    @Test func theSameIntegerInEitherCaseIsOneValue() {
        #expect(JSONValue.uint(5) == .int(5))
        #expect(JSONValue.int(5) == .uint(5))
        #expect(JSONValue.uint(5).hashValue == JSONValue.int(5).hashValue)
        #expect(Set<JSONValue>([.uint(5), .int(5), .uint(.max), .int(-1)]).count == 3)
        #expect(JSONValue.int(-1) != .uint(.max), "not the same bits read twice")
        #expect(JSONValue.uint(1) != .double(1), "integers and doubles stay apart")
        #expect(JSONValue(UInt64(7)) == .int(7))
        #expect(JSONValue(UInt64.max) == .uint(.max))
        #expect(JSONValue.uint(.max).doubleValue == 18446744073709551615.0)
        #expect(JSONValue.int(-1).uint64Value == nil && JSONValue.int(3).uint64Value == 3)
        #expect(JSONValue.uint(.max).typeName == "integer")
    }

    @Test func integersBeyondEitherRangeStillBecomeDoubles() throws {
        #expect(try JSONValue(parsing: "18446744073709551616") == .double(18446744073709551616))
        #expect(try JSONValue(parsing: "-9223372036854775809") == .double(-9223372036854775808.0))
        let value = try JSONValue(parsing: "1e19")
        #expect(value == .double(1e19))
        #expect(try JSONValueDecoder().decode(UInt64.self, from: value) == 10_000_000_000_000_000_000)
    }
}
