extension JSONReader {
    /// Parses an event in the one layout QEMU sends, straight into an ``Event``:
    ///
    ///     {"timestamp": {"seconds": S, "microseconds": U}, "event": "NAME", "data": {...}}
    ///
    /// (`data` absent or a non-empty object, any whitespace). Only `data` becomes a
    /// generic ``JSONObject``; the envelope and the timestamp are matched in place,
    /// saving two allocations and most of the parse work per event.
    ///
    /// Returns `nil`, leaving the caller to parse the bytes generically, on anything
    /// else: another message, another layout, incomplete or malformed input. The
    /// generic parser then produces the same event (or the precise error).
    mutating func parseCanonicalEvent() -> Event? {
        // The generic parser would count the envelope and the data object as two levels.
        guard maxDepth >= 2 else { return nil }
        guard let (seconds, microseconds) = timestampAndEventKey(),
              peek() == UInt8(ascii: "\""), let name = try? parseString()
        else { return nil }
        guard let data = eventData(), expect("}") else { return nil }
        return Event(name: name, data: data, timestamp: Event.Timestamp(seconds: seconds, microseconds: microseconds))
    }

    /// `, "data": {...}` (a non-empty object), or an empty object when the envelope ends here.
    private mutating func eventData() -> JSONObject? {
        skipWhitespace()
        guard peek() == UInt8(ascii: ",") else { return JSONObject() }
        position += 1
        guard expectKey("\"data\""), peek() == UInt8(ascii: "{") else { return nil }
        depth = 1
        guard let object = try? parseObjectMembers(), !object.isEmpty else { return nil }
        return object
    }

    /// The envelope up to the event's name: `{"timestamp": {"seconds": S,
    /// "microseconds": U}, "event": `. QEMU spaces it exactly so, which three
    /// comparisons match; any other spacing is matched token by token.
    private mutating func timestampAndEventKey() -> (seconds: Int64, microseconds: Int64)? {
        let start = position
        if expectExactly(#"{"timestamp": {"seconds": "#), let seconds = integer(),
           expectExactly(#", "microseconds": "#), let microseconds = integer(),
           expectExactly(#"}, "event": "#) {
            return (seconds, microseconds)
        }
        position = start
        guard expect("{"), expectKey("\"timestamp\""), expect("{"), expectKey("\"seconds\""),
              let seconds = integer(), expect(","), expectKey("\"microseconds\""),
              let microseconds = integer(), expect("}"), expect(","), expectKey("\"event\"")
        else { return nil }
        return (seconds, microseconds)
    }

    /// Consumes `literal` if the bytes at `position` are exactly it.
    @inline(__always)
    private mutating func expectExactly(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - position >= count, let base = bytes.baseAddress,
              KnownStrings.equal(base + position, UnsafeRawPointer(literal.utf8Start), count: count)
        else { return false }
        position += count
        return true
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
        return expectExactly(key) && expect(":")
    }

    @inline(__always)
    private mutating func integer() -> Int64? {
        skipWhitespace()
        return shortInteger()
    }
}
