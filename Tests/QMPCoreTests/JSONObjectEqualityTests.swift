import QMPCore
import Testing

/// Objects are equal when they hold the same keys (byte for byte) with equal values, in
/// any order; after a common prefix, a long rest is compared through a table.
@Suite("JSONObject equality")
struct JSONObjectEqualityTests {
    private static func object(_ keys: [String], value: (String) -> JSONValue = { .string($0) }) -> JSONObject {
        JSONObject(keys.map { ($0, value($0)) })
    }

    /// Rests shorter and longer than the table's threshold, after prefixes of 0 and 3.
    @Test(arguments: [4, 15, 16, 40], [0, 3])
    func anyOrderIsEqualAndAnyDifferenceIsNot(count: Int, prefix: Int) {
        let keys = (0..<count).map { "k\($0)" }
        let reordered = Array(keys[..<prefix]) + keys[prefix...].reversed()
        let original = Self.object(keys)
        #expect(original == Self.object(reordered))
        #expect(original.hashValue == Self.object(reordered).hashValue)

        var changed = Self.object(reordered)
        changed[keys[count - 1]] = 0
        #expect(original != changed, "a value differs in the rest")
        var changedInPrefix = original
        changedInPrefix[keys[0]] = 0
        #expect(changedInPrefix != Self.object(reordered), "a value differs at the first key")
        var otherKey = Self.object(reordered)
        otherKey[keys[count - 1]] = nil
        otherKey["other"] = .string(keys[count - 1])
        #expect(original != otherKey, "same count, one key differs")
    }

    /// The table compares keys by their bytes too: ANGSTROM SIGN and "A" + COMBINING RING
    /// are two keys, though Swift's `String` calls them equal.
    @Test func theTableComparesKeysByBytes() {
        let filler = (0..<20).map { "f\($0)" }
        let one = Self.object(filler + ["\u{212B}"]) { _ in 1 }
        let other = Self.object(filler.reversed() + ["A\u{30A}"]) { _ in 1 }
        #expect(one != other)
    }

    /// Found in review: each member was looked up by a scan, so comparing an object of many
    /// members with a reordering of it took quadratic time (about 2·10^10 key comparisons
    /// for this one; a stalled reader when an event's data had them). The limit only
    /// catches that hang.
    @Test(.timeLimit(.minutes(1)))
    func manyMembersInAnotherOrderCompareInLinearTime() throws {
        let keys = (0..<200_000).map { "member-\($0)" }
        // Parsed, as a peer's would be.
        func parsed(_ keys: [String]) throws -> JSONValue {
            try JSONValue(parsing: "{" + keys.map { #""\#($0)":1"# }.joined(separator: ",") + "}")
        }
        #expect(try parsed(keys) == parsed(keys.reversed()))
    }
}
