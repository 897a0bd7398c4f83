/// Byte-for-byte (UTF-8) equality and hashing of strings, as JSON text compares them.
///
/// Swift's `String` compares by Unicode canonical equivalence: `"\u{212B}"` (ANGSTROM
/// SIGN), `"\u{C5}"` and `"A\u{30A}"` are all equal. QEMU and Python compare object
/// keys by their bytes, so for them those are three different keys; ``JSONObject``
/// and ``JSONValue`` must agree with them, or a parsed object would merge members the
/// peer sent apart, and `==` would disagree with the serialized form.
enum UTF8Comparison {
    /// Whether `a` and `b` have the same UTF-8 bytes.
    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        let count = a.utf8.count
        guard count == b.utf8.count else { return false }
        let contiguous = a.utf8.withContiguousStorageIfAvailable { lhs in
            b.utf8.withContiguousStorageIfAvailable { rhs -> Bool in
                guard count > 0, let lhs = lhs.baseAddress, let rhs = rhs.baseAddress else { return true }
                return KnownStrings.equal(UnsafeRawPointer(lhs), UnsafeRawPointer(rhs), count: count)
            }
        }
        if let contiguous, let contiguous { return contiguous }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// Feeds `string`'s length and UTF-8 bytes to `hasher`, to agree with ``equal(_:_:)``.
    @inline(__always)
    static func hash(_ string: String, into hasher: inout Hasher) {
        hasher.combine(string.utf8.count)
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }
}

/// A string as a dictionary key that compares and hashes by its UTF-8 bytes.
struct UTF8Key: Hashable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: UTF8Key, rhs: UTF8Key) -> Bool { UTF8Comparison.equal(lhs.string, rhs.string) }

    func hash(into hasher: inout Hasher) { UTF8Comparison.hash(string, into: &hasher) }
}
