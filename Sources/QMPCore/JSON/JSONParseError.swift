/// Why and where JSON input was rejected.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, as an extensible code.
    public struct Reason: Sendable, Hashable, CustomStringConvertible {
        /// A short English phrase for the reason, used in ``JSONParseError/description``.
        public let description: String
        private init(_ description: String) { self.description = description }

        /// The input ended inside a value, or held no value at all.
        public static let unexpectedEnd = Reason("unexpected end of input")
        /// A byte that cannot start or continue a value here, such as a trailing comma or a missing colon.
        public static let unexpectedCharacter = Reason("unexpected character")
        /// Something other than whitespace follows the one complete value.
        public static let trailingCharacters = Reason("unexpected characters after the value")
        /// A malformed number, such as a minus sign, `.` or exponent not followed by a digit.
        public static let invalidNumber = Reason("invalid number")
        /// A number whose magnitude is beyond `Double`'s (about 1.8e308), such as `1e400`.
        public static let numberOutOfRange = Reason("number out of range (too large for a double)")
        /// A backslash followed by something other than a JSON escape, or a `\u` without four hex digits.
        public static let invalidEscape = Reason("invalid escape sequence")
        /// A `\u` escape of one half of a UTF-16 surrogate pair without the other half.
        public static let invalidSurrogate = Reason("unpaired UTF-16 surrogate in \\u escape")
        /// A byte below 0x20 (a raw tab or newline, say) inside a string, where JSON requires an escape.
        public static let controlCharacterInString = Reason("unescaped control character in string")
        /// Bytes that are not well-formed UTF-8 (overlong forms and encoded surrogates included).
        public static let invalidUTF8 = Reason("invalid UTF-8")
        /// Arrays and objects nested deeper than the parser's `maxDepth`.
        public static let tooDeep = Reason("nesting too deep")
        /// One object with more members than ``JSONObject`` can hold (`Int32.max`).
        public static let tooManyMembers = Reason("more members in one object than JSONObject can hold")
    }

    /// Byte offset of the offending input.
    public var offset: Int
    /// What was wrong at ``offset``.
    public var reason: Reason

    /// Creates a parse error; the parser makes these, so you need one only to
    /// compare against or in a test double.
    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte offset \(offset)" }
}
