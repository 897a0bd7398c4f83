/// A QAPI enumeration: a Swift enum with a case per value this binding knows and
/// `unknown(String)` for values a newer QEMU adds, so an unknown value never fails a decode.
///
/// ```swift
/// RunState(rawValue: "running") == .running
/// RunState(rawValue: "hibernating") == .unknown("hibernating")
/// ```
public protocol QAPIEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible where RawValue == String {
    /// The case for `rawValue`; never `nil`, the catch-all case takes what is not known.
    init(rawValue: String)
}

extension QAPIEnum {
    /// Decodes the JSON string; any string is accepted.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try String(from: decoder))
    }

    /// Encodes the value's string.
    public func encode(to encoder: any Encoder) throws {
        try rawValue.encode(to: encoder)
    }

    /// Compares the wire values, so `.unknown("x")` equals another `.unknown("x")`.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    /// Hashes the wire value.
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// The wire value.
    public var description: String { rawValue }
}
