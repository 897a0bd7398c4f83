extension JSONReader {
    /// Parses an event in the one layout QEMU sends, straight into an ``Event``:
    ///
    ///     {"timestamp": {"seconds": S, "microseconds": U}, "event": "NAME", "data": {...}}
    ///
    /// (`data` absent or a non-empty object, any whitespace). The envelope and the
    /// timestamp are matched in place; `data` is validated and its text kept, to be
    /// parsed only when someone reads it (most listeners filter by name alone).
    ///
    /// Returns `nil`, leaving the caller to parse the bytes generically, on anything
    /// else: another message, another layout, incomplete or malformed input. The
    /// generic parser then produces the same event (or the precise error).
    mutating func parseCanonicalEvent() -> Event? {
        // The generic parser would count the envelope and the data object as two levels.
        guard maxDepth >= 2 else { return nil }
        guard expect("{"), expectKey("\"timestamp\""), expect("{"), expectKey("\"seconds\""),
              let seconds = integer(), expect(","), expectKey("\"microseconds\""),
              let microseconds = integer(), expect("}"), expect(","), expectKey("\"event\""),
              peek() == UInt8(ascii: "\""), let name = try? parseString()
        else { return nil }
        var data = JSONObject()
        skipWhitespace()
        if peek() == UInt8(ascii: ",") {
            position += 1
            guard expectKey("\"data\""), peek() == UInt8(ascii: "{") else { return nil }
            let start = position
            // `"data": {}` is not QEMU's layout (it leaves `data` out); the generic path keeps it.
            position += 1
            guard peek() != UInt8(ascii: "}") else { return nil }
            position = start
            depth = 1
            guard (try? skipValue()) != nil else { return nil }
            data = JSONObject(validatedText: copy(start..<position))
        }
        guard expect("}") else { return nil }
        let timestamp = Event.Timestamp(seconds: seconds, microseconds: microseconds)
        return Event(name: name, data: data, timestamp: timestamp)
    }

    /// The bytes in `range`. Typed, so the copy is one `memcpy`: `Array` of a raw
    /// buffer slice went element by element.
    private func copy(_ range: Range<Int>) -> [UInt8] {
        let typed = bytes.assumingMemoryBound(to: UInt8.self)
        return Array(UnsafeBufferPointer(rebasing: typed[range]))
    }

    @inline(__always)
    private mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Skips whitespace, then consumes `byte` if it is next.
    @inline(__always)
    private mutating func expect(_ byte: Unicode.Scalar) -> Bool {
        guard peek() == UInt8(ascii: byte) else { return false }
        position += 1
        return true
    }

    /// Consumes the quoted member name `key` (no escapes) and the colon after it.
    @inline(__always)
    private mutating func expectKey(_ key: StaticString) -> Bool {
        skipWhitespace()
        let count = key.utf8CodeUnitCount
        guard bytes.count - position >= count, let base = bytes.baseAddress,
              KnownStrings.equal(base + position, UnsafeRawPointer(key.utf8Start), count: count)
        else { return false }
        position += count
        return expect(":")
    }

    @inline(__always)
    private mutating func integer() -> Int64? {
        guard let first = peek(), first == UInt8(ascii: "-") || first &- UInt8(ascii: "0") < 10,
              case .int(let value)? = try? parseNumber()
        else { return nil }
        return value
    }
}
