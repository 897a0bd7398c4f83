/// The short strings a framer's parser built recently, found again by their bytes.
///
/// An event flood repeats the same member names and values (`status`,
/// `running`, a job's id) in every message. Building a small `String` goes
/// through the standard library's validation, which cost as much as the rest of
/// the parse; comparing at most 15 bytes against a remembered copy is two word
/// comparisons.
struct RecentStrings {
    private struct Entry {
        /// The string's bytes, zero-padded: bytes 0-7 and 8-14.
        var low: UInt64
        var high: UInt64
        var count: Int
        var string: String

        @inline(__always)
        func matches(_ low: UInt64, _ high: UInt64, _ count: Int) -> Bool {
            self.count == count && self.low == low && self.high == high
        }
    }

    static let capacity = 128
    /// Empty until the first lookup, so a framer that never parses an event costs nothing.
    private var entries: [Entry] = []

    init() {}

    /// The string whose UTF-8 is the `count` (at most 15) bytes at `start`, of which
    /// `readable` bytes may be read. The bytes must be valid UTF-8 without escapes.
    ///
    /// Each string has two candidate slots; a new one goes to the first, pushing that
    /// slot's string to the second, so two strings that share a slot both stay.
    @inline(__always)
    mutating func string(at start: UnsafeRawPointer, count: Int, readable: Int) -> String {
        let (low, high) = Self.words(start, count: count, readable: readable)
        let hash = (low ^ (high &* 31) ^ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15
        let first = Int(truncatingIfNeeded: hash >> 57)
        let second = Int(truncatingIfNeeded: (hash >> 50) & 127)
        // Hits only read: a mutable buffer would check the array's uniqueness every time.
        let hit = entries.withUnsafeBufferPointer { entries -> String? in
            guard !entries.isEmpty else { return nil }
            if entries[first].matches(low, high, count) { return entries[first].string }
            if entries[second].matches(low, high, count) { return entries[second].string }
            return nil
        }
        if let hit { return hit }
        if entries.isEmpty {
            entries = Array(repeating: Entry(low: 0, high: 0, count: -1, string: ""), count: Self.capacity)
        }
        let string = Self.makeString(start, count: count)
        entries.withUnsafeMutableBufferPointer { entries in
            if second != first { entries[second] = entries[first] }
            entries[first] = Entry(low: low, high: high, count: count, string: string)
        }
        return string
    }

    /// A string of `count` (at most 15) valid UTF-8 bytes: a small string, filled in
    /// place, which skips most of the generic decoding path.
    @inline(__always)
    static func makeString(_ start: UnsafeRawPointer, count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: start, count: count))
            return count
        }
    }

    /// The bytes as two zero-padded little-endian words; whole-word loads when 16 bytes are readable.
    @inline(__always)
    private static func words(_ start: UnsafeRawPointer, count: Int, readable: Int) -> (UInt64, UInt64) {
        guard readable >= 16 else {
            var low: UInt64 = 0
            var high: UInt64 = 0
            for index in 0..<count {
                let byte = UInt64(start.load(fromByteOffset: index, as: UInt8.self))
                if index < 8 { low |= byte << UInt64(index * 8) } else { high |= byte << UInt64((index - 8) * 8) }
            }
            return (low, high)
        }
        let low = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self))
        let high = UInt64(littleEndian: start.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if count >= 8 {
            return (low, count == 8 ? 0 : high & (UInt64.max >> UInt64((16 - count) * 8)))
        }
        return (count == 0 ? 0 : low & (UInt64.max >> UInt64((8 - count) * 8)), 0)
    }
}

extension RecentStrings: Sendable {}
