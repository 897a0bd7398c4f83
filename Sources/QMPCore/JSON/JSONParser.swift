// STUB: replaced by the fast parser (see issue 2).
public enum JSONParser {
    /// Nesting deeper than this is rejected instead of recursing without bound.
    public static let defaultMaxDepth = 1024

    /// Parses exactly one JSON value (surrounding whitespace allowed) from UTF-8 bytes.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        throw JSONParseError(offset: 0, reason: "not implemented")
    }
}

/// Why and where JSON input was rejected.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset of the offending input.
    public var offset: Int
    public var reason: String
    public init(offset: Int, reason: String) { self.offset = offset; self.reason = reason }
    public var description: String { "\(reason) at byte offset \(offset)" }
}

extension JSONValue {
    /// Parses JSON text.
    public init(parsing text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParseError) {
        self = try JSONParser.parse(Array(text.utf8), maxDepth: maxDepth)
    }
}
