import QMPCore
import Testing

/// Found in review: building a large object or array in code was quadratic. Each
/// member was checked against those before it by a scan, and the encoder copied its
/// whole member list (or element list) to add one, so encoding a dictionary of
/// 40,000 entries took minutes in a debug build. The limits only catch that hang.
@Suite(.timeLimit(.minutes(1)))
struct LargeValueBuildingTests {
    static let count = 200_000

    @Test func anObjectFromManyPairsKeepsOrderAndTheLastOfARepeatedKey() {
        let pairs = (0..<Self.count).map { ("k\($0)", JSONValue.int(Int64($0))) }
        let object = JSONObject(pairs + [("k7", "again")])
        #expect(object.count == Self.count)
        #expect(object.members[7] == JSONObject.Member(key: "k7", value: "again"))
        #expect(object.members.last?.key == "k\(Self.count - 1)")
    }

    @Test func aLargeDictionaryEncodesWithEveryEntry() throws {
        let dictionary = Dictionary(uniqueKeysWithValues: (0..<Self.count).map { ("k\($0)", $0) })
        let encoded = try #require(try JSONValueEncoder().encode(dictionary).objectValue)
        #expect(encoded.count == Self.count)
        #expect(encoded["k12345"] == 12345)
    }

    @Test func aLargeArrayEncodesInOrder() throws {
        let encoded = try #require(try JSONValueEncoder().encode(Array(0..<Self.count)).arrayValue)
        #expect(encoded.count == Self.count)
        #expect(encoded.last == .int(Int64(Self.count - 1)))
    }

    /// A keyed container written twice under one key keeps the second value, in the
    /// first one's place, however many members came between.
    @Test func aKeyWrittenTwiceAmongManyKeepsItsPlaceAndTheLastValue() throws {
        struct Repeating: Encodable {
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for index in 0..<100 { try container.encode(index, forKey: Key(stringValue: "k\(index)")) }
                try container.encode("again", forKey: Key(stringValue: "k3"))
            }
        }
        let encoded = try #require(try JSONValueEncoder().encode(Repeating()).objectValue)
        #expect(encoded.count == 100)
        #expect(encoded.members[3] == JSONObject.Member(key: "k3", value: "again"))
    }
}
