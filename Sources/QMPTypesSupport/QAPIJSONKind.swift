import QMPCore

/// The JSON type of a value being decoded: how an alternate picks its alternative.
public enum QAPIJSONKind: Sendable {
    /// A JSON string (also an enumeration's value).
    case string
    /// A JSON number without fraction or exponent.
    case int
    /// Any other JSON number.
    case number
    /// `true` or `false`.
    case bool
    /// `null`.
    case null
    /// A JSON object.
    case object
    /// A JSON array.
    case array

    /// The kind of the value `decoder` holds.
    public init(_ decoder: any Decoder) throws {
        switch try JSONValue(from: decoder) {
        case .string: self = .string
        case .int, .uint: self = .int
        case .double: self = .number
        case .bool: self = .bool
        case .null: self = .null
        case .object: self = .object
        case .array: self = .array
        }
    }

    /// The error for a value of `kind` that none of `type`'s alternatives takes.
    public static func mismatch(_ kind: QAPIJSONKind, in type: String, _ decoder: any Decoder) -> DecodingError {
        .typeMismatch(Any.self, DecodingError.Context(
            codingPath: decoder.codingPath, debugDescription: "no alternative of \(type) is a JSON \(kind)"))
    }

    /// Encodes JSON `null`, an alternate's `null` alternative.
    public static func encodeNull(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}
