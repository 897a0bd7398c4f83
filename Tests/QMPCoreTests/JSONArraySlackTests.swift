import QMPCore
import Testing

/// A parsed array keeps no more room than it needs: growth by doubling could otherwise
/// leave a large reply (or a hostile one at the frame limit) twice its size for as long
/// as it is kept.
@Suite("Parsed arrays keep no spare room")
struct JSONArraySlackTests {
    @Test(arguments: [1, 17, 100, 1_000, 4_097, 40_000, 65_536])
    func aParsedArrayIsAboutItsOwnSize(_ count: Int) throws {
        let text = "[" + Array(repeating: "\"element\"", count: count).joined(separator: ",") + "]"
        let array = try #require(try JSONValue(parsing: text).arrayValue)
        #expect(array.count == count)
        #expect(array.capacity - count <= max(64, count / 4), "capacity \(array.capacity) for \(count)")
        #expect(array.allSatisfy { $0 == "element" }, "the elements moved intact")
    }

    @Test func nestedArraysAndTheirElementsSurviveTheMove() throws {
        let inner = "[" + (0..<300).map { "\"s\($0)-\(String(repeating: "x", count: 20))\"" }.joined(separator: ",") + "]"
        let text = "[" + Array(repeating: inner, count: 130).joined(separator: ",") + "]"
        let value = try JSONValue(parsing: text)
        let outer = try #require(value.arrayValue)
        #expect(outer.count == 130)
        for element in outer {
            let strings = try #require(element.arrayValue)
            #expect(strings.count == 300 && strings.capacity - 300 <= 75)
            #expect(strings[299] == .string("s299-" + String(repeating: "x", count: 20)))
        }
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }
}
