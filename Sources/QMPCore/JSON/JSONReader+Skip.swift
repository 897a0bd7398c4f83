extension JSONReader {
    /// Steps over the value at `position`, validating it exactly as parsing would,
    /// without building it: no strings, arrays or objects are made.
    ///
    /// The event fast path validates `data` this way and keeps its bytes for a
    /// ``JSONObject`` that parses on first use (see ``JSONObject/init(validatedText:)``).
    /// Every primitive (strings, escapes, UTF-8, numbers, literals, depth) is the
    /// parser's own, so the two accept the same input; the tests check that on
    /// the JSON conformance corpus.
    mutating func skipValue() throws(JSONParseError) {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[position] {
        case UInt8(ascii: "{"): try skipContainer(closedBy: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): try skipContainer(closedBy: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        default: throw fail(.unexpectedCharacter)
        }
    }

    /// An object (`keyed`: string, colon, value per member) or an array.
    private mutating func skipContainer(closedBy close: UInt8, keyed: Bool) throws(JSONParseError) {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == close {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            if keyed {
                guard position < bytes.count else { throw fail(.unexpectedEnd) }
                guard bytes[position] == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter) }
                _ = try scanString()
                skipWhitespace()
                guard position < bytes.count else { throw fail(.unexpectedEnd) }
                guard bytes[position] == UInt8(ascii: ":") else { throw fail(.unexpectedCharacter) }
                position += 1
                skipWhitespace()
            }
            try skipValue()
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case close: position += 1; return
            default: throw fail(.unexpectedCharacter)
            }
        }
    }
}
