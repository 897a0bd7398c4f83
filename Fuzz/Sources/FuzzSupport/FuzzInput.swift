/// The fuzzer's input read as a sequence of choices, front to back.
///
/// Every choice has a fallback once the input runs out, so any input, even an
/// empty one, is a complete program for a target.
public struct FuzzInput {
    private var bytes: ArraySlice<UInt8>

    /// Wraps the bytes libFuzzer hands to `LLVMFuzzerTestOneInput`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes[...]
    }

    /// Whether every byte has been consumed.
    public var isEmpty: Bool { bytes.isEmpty }

    /// The next byte, 0 once the input is used up.
    public mutating func byte() -> UInt8 {
        bytes.popFirst() ?? 0
    }

    /// A number in `0..<count` (`count` > 0), from one byte.
    public mutating func choose(_ count: Int) -> Int {
        Int(byte()) % count
    }

    /// One of `options`, chosen by the next byte.
    public mutating func pick<Element>(_ options: [Element]) -> Element {
        options[choose(options.count)]
    }

    /// Up to `count` bytes, fewer at the end of the input.
    public mutating func take(_ count: Int) -> [UInt8] {
        let taken = bytes.prefix(count)
        bytes = bytes.dropFirst(taken.count)
        return Array(taken)
    }

    /// The bytes up to and including the next newline, at most `maxLength` of them
    /// (fewer at the end of the input).
    public mutating func line(maxLength: Int = 4096) -> [UInt8] {
        let end = bytes.prefix(maxLength).firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 - bytes.startIndex }
        return take(end ?? maxLength)
    }

    /// Everything not consumed yet.
    public mutating func rest() -> [UInt8] {
        take(bytes.count)
    }
}
