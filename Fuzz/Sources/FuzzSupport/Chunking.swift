/// Splits `bytes` into consecutive chunks whose lengths come from `seed`
/// (a deterministic generator, so a crash reproduces from its input alone).
///
/// Lengths are mostly small, down to one byte, so that every state of a
/// streaming reader gets interrupted somewhere; now and then a chunk is long.
public func chunks(of bytes: [UInt8], seed: UInt64) -> [ArraySlice<UInt8>] {
    var generator = SplitMix64(seed: seed)
    var result: [ArraySlice<UInt8>] = []
    var start = 0
    while start < bytes.count {
        let draw = generator.next()
        let length = draw % 8 == 0 ? Int((draw >> 8) % 4096) + 1 : Int((draw >> 8) % 8) + 1
        let end = min(bytes.count, start + length)
        result.append(bytes[start..<end])
        start = end
    }
    return result
}

/// A stable 64-bit hash of `bytes` (FNV-1a): a chunking seed that is a function of the input.
public func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0100_0000_01b3
    }
    return hash
}

/// SplitMix64: small, fast, and good enough to pick split points.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
