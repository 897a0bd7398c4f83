import QMPCore
import Testing

/// JSON cannot carry infinity or NaN. A number too large for a double is rejected, not
/// read as infinity (which serialized back as `null`, silently changing the value).
@Suite("Numbers beyond Double's range")
struct JSONNonFiniteNumberTests {
    @Test(arguments: [("1e400", 0), ("-1e400", 0), ("[1, 1E+309]", 4), (#"{"a": -2.5e99999}"#, 6)])
    func overflowIsATypedErrorAtTheNumber(_ text: String, offset: Int) {
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.reason == .numberOutOfRange && error.offset == offset
        }
    }

    @Test func theErrorSaysWhatWasWrong() {
        let error = JSONParseError(offset: 3, reason: .numberOutOfRange)
        #expect(error.description == "number out of range (too large for a double) at byte offset 3")
    }

    @Test func theLargestDoublesAndUnderflowStillParse() throws {
        #expect(try JSONValue(parsing: "1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try JSONValue(parsing: "-1.7976931348623157e308") == .double(-.greatestFiniteMagnitude))
        #expect(try JSONValue(parsing: "1e-400") == .double(0), "underflow rounds to zero, still a number")
    }

    @Test func aFramedMessageWithAnOverflowIsMalformed() {
        var framer = MessageFramer()
        framer.append(Array(#"{"return": {"size": 1e400}}"#.utf8))
        #expect { try framer.nextMessage() } throws: { ($0 as? QMPError)?.code == .malformedMessage }
    }

    @Test func serializingANonFiniteDoubleStillGivesValidJSON() throws {
        // Only code can build one; the documented choice is `null`, which parses.
        let values: JSONValue = [.double(.infinity), .double(-.infinity), .double(.nan)]
        #expect(values.serialized() == "[null,null,null]")
        #expect(try JSONValue(parsing: values.serialized()) == [nil, nil, nil])
    }

    @Test func theEncoderRefusesNonFiniteNumbers() throws {
        struct Speed: Encodable { var limit: Double }
        struct Ratio: Encodable { var value: Float }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Speed(limit: .infinity)) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Ratio(value: .nan)) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([1.0, -.infinity]) }
        #expect(try JSONValueEncoder().encode(Speed(limit: 2.5)) == ["limit": 2.5])
    }
}
