/// Why and where JSON input was rejected.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, as an extensible code.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        public static let unexpectedEnd = Reason("unexpected end of input")
        public static let unexpectedCharacter = Reason("unexpected character")
        public static let trailingCharacters = Reason("unexpected characters after the value")
        public static let invalidNumber = Reason("invalid number")
        /// A number whose magnitude is beyond `Double`'s (about 1.8e308), such as `1e400`.
        public static let numberOutOfRange = Reason("number out of range (too large for a double)")
        public static let invalidEscape = Reason("invalid escape sequence")
        public static let invalidSurrogate = Reason("unpaired UTF-16 surrogate in \\u escape")
        public static let controlCharacterInString = Reason("unescaped control character in string")
        public static let invalidUTF8 = Reason("invalid UTF-8")
        public static let tooDeep = Reason("nesting too deep")
        public static let tooManyMembers = Reason("more members in one object than JSONObject can hold")
    }

    /// Byte offset of the offending input.
    public var offset: Int
    public var reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte offset \(offset)" }
}
