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

    /// The position of `key` among `keys`, the object's keys in order so far.
    @inline(__always)
    mutating func position<Keys: RandomAccessCollection<String>>(of key: String, in keys: Keys) -> Int?
    where Keys.Index == Int {
        if keys.count < Self.scanLimit {
            return keys.firstIndex { UTF8Comparison.equal($0, key) }
        }
        if index.isEmpty {
            index.reserveCapacity(keys.count * 2)
            for (offset, existing) in keys.enumerated() { index[UTF8Key(existing)] = offset }
        }
        return index[UTF8Key(key)]
    }

    /// Records that `key`, which ``position(of:in:)`` did not find, now sits at `position`.
    @inline(__always)
    mutating func appended(_ key: String, at position: Int) {
        if !index.isEmpty { index[UTF8Key(key)] = position }
    }
}
