/// A strict RFC 8259 JSON parser working directly on UTF-8 bytes.
///
/// It accepts exactly one value surrounded by optional whitespace, rejects
/// invalid UTF-8, unpaired surrogate escapes, leading zeros, trailing commas
/// and every other deviation, and reports the byte offset of the first
/// offending byte. Nesting is bounded by `maxDepth`, so hostile input cannot
/// exhaust the stack. Integers that fit in `Int64` stay exact (``JSONValue/int(_:)``),
/// as do larger ones up to `UInt64.max` (``JSONValue/uint(_:)``); other numbers become
/// ``JSONValue/double(_:)``, rounded to the nearest double. A number too large for a
/// double (`1e400`) is rejected with ``JSONParseError/Reason/numberOutOfRange`` rather
/// than read as infinity, which JSON cannot carry back out.
public enum JSONParser {
    /// Nesting deeper than this is rejected instead of recursing without bound.
    public static let defaultMaxDepth = 1024

    /// Parses exactly one JSON value (surrounding whitespace allowed) from UTF-8 bytes.
    public static func parse(
        _ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            parseResult(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth)
        }
        if let result { return try result.get() }
        let copy = Array(bytes)
        return try copy.withUnsafeBytes { parseResult($0, maxDepth: maxDepth) }.get()
    }

    /// Parses exactly one JSON value from a raw buffer without copying it.
    public static func parse(
        _ buffer: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        try parseResult(buffer, maxDepth: maxDepth).get()
    }

    // `withContiguousStorageIfAvailable` is `rethrows`, which loses typed errors: carry them in a Result.
    private static func parseResult(_ buffer: UnsafeRawBufferPointer, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        var reader = JSONReader(buffer, maxDepth: maxDepth)
        do {
            let value = try reader.parseDocument()
            return .success(value)
        } catch {
            return .failure(error)
        }
    }
}

extension JSONValue {
    /// Parses JSON text.
    public init(parsing text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParseError) {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) -> JSONValue in
                try JSONParser.parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth)
            }
        }
        self = try result.get()
    }
}
