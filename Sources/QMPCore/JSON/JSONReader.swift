/// The parser's cursor over a UTF-8 buffer. Recursion depth is bounded by `maxDepth`.
struct JSONReader {
    // Internal, not private: the event fast path (JSONReader+Event.swift) steps through the same cursor.
    let bytes: UnsafeRawBufferPointer
    var position = 0
    let maxDepth: Int
    var depth = 0
    /// The framer's cache of short strings, for the duration of one parse.

    init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw fail(.trailingCharacters) }
        return value
    }

    /// Parses the value that starts at the first non-whitespace byte and stops
    /// right after it, leaving anything that follows for the caller.
    mutating func parseValuePrefix() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        return try parseValue()
    }

    private func fail(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail(.unexpectedCharacter)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for index in 0..<count {
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[position] == start[index] else { throw fail(.unexpectedCharacter) }
            position += 1
        }
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep) }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                Self.dropSpareRoom(of: &elements)
                return .array(elements)
            default: throw fail(.unexpectedCharacter)
            }
        }
    }

    /// Arrays grow by doubling, so one can end with almost as much room to spare as it
    /// uses, kept for as long as the value lives. Past 64 spare elements and a quarter of
    /// the array, the elements move (no reference counting) to an array of their own size.
    /// Not past 64 Ki elements (1.5 MiB): the move briefly needs both arrays, and room in an
    /// allocation that large is mapped but never touched, so it costs no memory anyway.
    @inline(__always)
    private static func dropSpareRoom(of elements: inout [JSONValue]) {
        let count = elements.count
        let spare = elements.capacity - count
        guard spare > 64 && spare * 4 > count && count <= 1 << 16 else { return }
        let exact = [JSONValue](unsafeUninitializedCapacity: count) { buffer, initialized in
            elements.withUnsafeMutableBufferPointer { source in
                _ = buffer.moveInitialize(fromContentsOf: source)
                // Moved out: refill with trivial values, so freeing `elements` releases nothing twice.
                source.initialize(repeating: .null)
            }
            initialized = count
        }
        elements = exact
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        .object(try parseObjectMembers())
    }

    /// Parses the object at `position`.
    mutating func parseObjectMembers() throws(JSONParseError) -> JSONObject {
        try enter()
        defer { depth -= 1 }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return JSONObject()
        }
        var members: [JSONObject.Member] = []
        // QMP objects are small; one allocation up front beats growing 1 → 2 → 4.
        members.reserveCapacity(4)
        var positions = KeyPositions()
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[position] == UInt8(ascii: "\"") else { throw fail(.unexpectedCharacter) }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            guard bytes[position] == UInt8(ascii: ":") else { throw fail(.unexpectedCharacter) }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            // A repeated key (the same bytes, as QEMU compares them) keeps its last value, as QEMU does.
            if let existing = positions.position(of: key, in: members) {
                members[existing].value = value
            } else {
                guard members.count < JSONObject.maximumCount else { throw fail(.tooManyMembers) }
                positions.appended(key, at: members.count)
                members.append(JSONObject.Member(key: key, value: value))
            }
            skipWhitespace()
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return JSONObject(uniqueMembers: members)
            default: throw fail(.unexpectedCharacter)
            }
        }
    }

    // MARK: Strings

    mutating func parseString() throws(JSONParseError) -> String {
        let start = position + 1
        let end = bytes.count
        guard let base = bytes.baseAddress else { throw fail(.unexpectedEnd) }
        var index = start
        while true {
            // Find the next byte that needs a closer look, eight bytes at a time while
            // eight remain; it is taken from the word already loaded.
            var byte: UInt8
            while true {
                if index + 8 <= end {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let special = Self.specialStringBytes(in: word)
                    if special == 0 {
                        index += 8
                        continue
                    }
                    let shift = special.trailingZeroBitCount & ~7
                    index += shift >> 3
                    byte = UInt8(truncatingIfNeeded: word >> UInt64(shift))
                    break
                }
                guard index < end else {
                    position = end
                    throw fail(.unexpectedEnd)
                }
                byte = base.load(fromByteOffset: index, as: UInt8.self)
                // Printable ASCII other than the quote and the backslash: by far the common case.
                guard byte &- 0x20 < 0x60 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") else { break }
                index += 1
            }
            position = index
            if byte == UInt8(ascii: "\"") {
                position += 1
                let count = index - start
                // Short enough for a small string, which needs no allocation: filled in
                // place, it costs less than a known-string lookup.
                if count <= 15 { return Self.smallString(base + start, count: count) }
                if let shared = KnownStrings.qmp.lookup(base + start, count: count) { return shared }
                return String(decoding: UnsafeRawBufferPointer(start: base + start, count: count), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
            if byte < 0x20 { throw fail(.controlCharacterInString) }
            try skipUTF8Sequence()
            index = position
        }
    }

    /// The high bit of each byte of `word` (in memory order, little-endian) that ends the
    /// fast string scan: a quote, a backslash, a control character or a non-ASCII byte.
    /// Bytes above the first flagged one may be flagged spuriously (borrows), never the first.
    @inline(__always)
    private static func specialStringBytes(in word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl | word) & highBits
    }

    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(position - start + 16)
        utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try appendEscape(to: &utf8)
            case 0..<0x20:
                throw fail(.controlCharacterInString)
            case 0..<0x80:
                utf8.append(byte)
                position += 1
            default:
                let sequenceStart = position
                try skipUTF8Sequence()
                utf8.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[sequenceStart..<position]))
            }
        }
        throw fail(.unexpectedEnd)
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4())
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u")
                else { throw fail(.invalidSurrogate, at: escapeStart) }
                position += 2
                let low = UInt32(try readHex4())
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.invalidSurrogate, at: escapeStart) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw fail(.invalidSurrogate, at: escapeStart)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail(.invalidSurrogate, at: escapeStart) }
            if let encoded = UTF8.encode(unicode) { utf8.append(contentsOf: encoded) }
        default:
            throw fail(.invalidEscape, at: escapeStart)
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw fail(.unexpectedEnd) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence at `position` (RFC 3629: no overlongs,
    /// no surrogates, nothing above U+10FFFF) and steps over it.
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upperBound = 0x9F
        case 0xF0: length = 4; lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upperBound = 0x8F
        default: throw fail(.invalidUTF8)
        }
        guard position + length <= bytes.count else { throw fail(.invalidUTF8) }
        let second = bytes[position + 1]
        guard second >= lowerBound && second <= upperBound else { throw fail(.invalidUTF8) }
        for offset in 2..<length where bytes[position + offset] & 0xC0 != 0x80 {
            throw fail(.invalidUTF8)
        }
        position += length
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        // Nearly every number QMP sends is a short integer.
        if let value = shortInteger() { return .int(value) }
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        var magnitude: UInt64 = 0
        var overflow = false
        let first = bytes[position]
        if first == UInt8(ascii: "0") {
            position += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (next, o2) = times.addingReportingOverflow(UInt64(bytes[position] &- UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = next
                position += 1
            }
        } else {
            throw fail(.invalidNumber)
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            try skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            try skipDigits()
        }
        if isInteger && !overflow {
            // Int64.min's magnitude is one more than Int64.max's.
            if negative && magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(bitPattern: 0 &- magnitude)) }
            if !negative { return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude) }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text) else { throw fail(.invalidNumber, at: start) }
        // Infinity has no JSON form: it would come back out as something else (`null`).
        guard double.isFinite else { throw fail(.numberOutOfRange, at: start) }
        return .double(double)
    }

    /// An integer of at most 18 digits at `position` (which cannot overflow), read eight
    /// digits at a time while eight follow. `nil`, with `position` unchanged, for anything
    /// else (fractions, exponents, longer numbers, no number), which `parseNumber()` reads
    /// digit by digit; the event envelope's timestamp uses it directly.
    @inline(__always)
    mutating func shortInteger() -> Int64? {
        var index = position
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count, let base = bytes.baseAddress else { return nil }
        let first = bytes[index]
        var magnitude: Int64 = 0
        if first == UInt8(ascii: "0") {
            index += 1
        } else if first &- UInt8(ascii: "1") < 9 {
            let fastEnd = min(bytes.count, index + 18)
            while index + 8 <= fastEnd, let eight = Self.eightDigits(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                magnitude = magnitude &* 100_000_000 &+ Int64(eight)
                index += 8
            }
            while index < fastEnd, bytes[index] &- UInt8(ascii: "0") < 10 {
                magnitude = magnitude &* 10 &+ Int64(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
        } else {
            return nil
        }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                return nil
            default: break
            }
        }
        position = index
        return negative ? -magnitude : magnitude
    }

    /// The value of eight ASCII digits loaded as one word, or `nil` if any byte is not a digit.
    @inline(__always)
    private static func eightDigits(_ raw: UInt64) -> UInt64? {
        let word = UInt64(littleEndian: raw)
        let highNibbles: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        let threes: UInt64 = 0x3030_3030_3030_3030
        // '0'...'9' are 0x30...0x39: high nibble 3, and adding 6 to the low one carries nowhere.
        guard word & highNibbles == threes, (word &+ 0x0606_0606_0606_0606) & highNibbles == threes else { return nil }
        // Combine neighbours pairwise: digits into pairs, pairs into fours, fours into eight.
        var value = word & 0x0F0F_0F0F_0F0F_0F0F
        value = (value &* (10 << 8 + 1)) >> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* (100 << 16 + 1)) >> 16
        return ((value & 0x0000_FFFF_0000_FFFF) &* (10_000 << 32 + 1)) >> 32
    }

    private mutating func skipDigits() throws(JSONParseError) {
        let start = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            position += 1
        }
        if position == start { throw position == bytes.count ? fail(.unexpectedEnd) : fail(.invalidNumber) }
    }
}

extension JSONReader {
    /// A string of at most 15 bytes (stored inline, no allocation), filled in place.
    @inline(__always)
    static func smallString(_ start: UnsafeRawPointer, count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buffer in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: start, count: count))
            return count
        }
    }
}
