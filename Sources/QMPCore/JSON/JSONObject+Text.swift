extension JSONObject {
    /// Every member of a validated object's text, as the parser builds them.
    static func members(ofValidatedText text: [UInt8]) -> [Member] {
        let value = text.withUnsafeBytes { bytes in
            // Validation bounded the depth already.
            var reader = JSONReader(bytes, maxDepth: .max)
            return try? reader.parseValuePrefix()
        }
        // Validated by the same reader, so parsing cannot fail; an empty object
        // is the total answer should that ever break.
        guard case .object(let object)? = value else {
            assertionFailure("validated JSON object text failed to parse")
            return []
        }
        return object.members
    }

    /// The value of member `key` in a validated object's text, parsing only that
    /// value; the last one wins when the key repeats, as when parsing it all.
    static func member(_ key: String, ofValidatedText text: [UInt8]) -> JSONValue? {
        var key = key
        return key.withUTF8 { key in
            text.withUnsafeBytes { bytes in
                var reader = JSONReader(bytes, maxDepth: .max)
                return try? reader.member(UnsafeRawBufferPointer(key))
            } ?? nil
        }
    }
}

extension JSONReader {
    /// The value of member `key` (its UTF-8) in the validated object at `position`.
    fileprivate mutating func member(_ key: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue? {
        var found: JSONValue?
        position += 1
        skipWhitespace()
        guard position < bytes.count, bytes[position] != UInt8(ascii: "}") else { return nil }
        while position < bytes.count {
            skipWhitespace()
            let keyStart = position
            let matches: Bool
            if try scanString() {
                // Escaped: compare what it decodes to.
                var cursor = self
                cursor.position = keyStart
                matches = try cursor.parseString().utf8.elementsEqual(key)
            } else {
                let name = UnsafeRawBufferPointer(rebasing: bytes[(keyStart + 1)..<(position - 1)])
                matches = name.elementsEqual(key)
            }
            skipWhitespace()
            position += 1  // the colon
            skipWhitespace()
            if matches { found = try parseValuePrefix() } else { try skipValue() }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ",") else { break }
            position += 1
        }
        return found
    }
}
