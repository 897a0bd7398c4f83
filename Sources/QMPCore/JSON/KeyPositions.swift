/// Finds a key among an object's ordered keys, by its UTF-8 bytes (as ``JSONObject``
/// compares them), without going quadratic on large objects.
///
/// Up to 16 keys are scanned: QMP's objects are small, where a scan beats hashing.
/// Past that a hash index is built once and kept up to date by ``appended(_:at:)``,
/// so a peer's (or a caller's) object with any number of members is built in linear time.
struct KeyPositions {
    private static let scanLimit = 16
    private var index: [UTF8Key: Int] = [:]

    init() {}

    /// The position of `key` among `members`, the object's members in order so far.
    ///
    /// Two overloads rather than one generic over a collection of keys: the parser calls
    /// this once per member, and reading keys through a lazy map cost it an eighth of its
    /// speed on a schema reply.
    @inline(__always)
    mutating func position(of key: String, in members: [JSONObject.Member]) -> Int? {
        if members.count < Self.scanLimit {
            return members.firstIndex { UTF8Comparison.equal($0.key, key) }
        }
        return indexed(key, count: members.count) { members[$0].key }
    }

    /// The position of `key` among `keys`, the object's keys in order so far.
    @inline(__always)
    mutating func position(of key: String, in keys: [String]) -> Int? {
        if keys.count < Self.scanLimit {
            return keys.firstIndex { UTF8Comparison.equal($0, key) }
        }
        return indexed(key, count: keys.count) { keys[$0] }
    }

    /// Looks `key` up in the index, built on first use from the `count` keys so far.
    private mutating func indexed(_ key: String, count: Int, keyAt: (Int) -> String) -> Int? {
        if index.isEmpty {
            index.reserveCapacity(count * 2)
            for offset in 0..<count { index[UTF8Key(keyAt(offset))] = offset }
        }
        return index[UTF8Key(key)]
    }

    /// Records that `key`, which ``position(of:in:)`` did not find, now sits at `position`.
    @inline(__always)
    mutating func appended(_ key: String, at position: Int) {
        if !index.isEmpty { index[UTF8Key(key)] = position }
    }
}
