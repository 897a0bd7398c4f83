/// A JSON value as QMP carries it.
///
/// Integers and doubles are kept apart: `1` parses as ``int(_:)`` and `1.0`
/// as ``double(_:)``, so a recording serializes back byte for byte. Every
/// integer from `Int64.min` to `UInt64.max` stays exact: those above
/// `Int64.max` (QAPI's `uint64` sizes) parse as ``uint(_:)``. Objects
/// keep their members in insertion order (see ``JSONObject``).
///
/// Strings and object keys compare byte for byte (their UTF-8), as QEMU and
/// Python compare them: `"\u00e9"` and `"e\u0301"` are different keys and
/// different values, although Swift's `String` calls them equal.
///
/// Build values with literals and read them with the optional-chaining
/// accessors:
///
/// ```swift
/// let args: JSONValue = ["job-id": "job1", "speed": 0]
/// let id = event.data["id"]?.stringValue
/// let status = reply["running"]?.boolValue
/// ```
public enum JSONValue: Sendable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// An exact integer that fits in `Int64`.
    case int(Int64)
    /// An exact integer above `Int64.max`, up to `UInt64.max`.
    ///
    /// The parser uses it only where ``int(_:)`` cannot hold the value; a smaller
    /// value made in code is equal to (and hashes as) the same ``int(_:)``.
    /// `JSONValue(_:)` with a `UInt64` picks the right case.
    case uint(UInt64)
    /// A number with a fraction or exponent, or an integer outside `Int64.min...UInt64.max`.
    case double(Double)
    /// A string; equality compares its UTF-8 bytes.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, its members in order (see ``JSONObject``).
    case object(JSONObject)
}

extension JSONValue {
    /// The member `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The element at `index` when this is an array and the index is in range, else `nil`.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// Whether this is ``null``. A missing member is not null: `value["x"]?.isNull` is `nil` then.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value of a ``bool(_:)``, else `nil` (numbers and strings are not converted).
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The integer value when it fits in `Int64`; a double is converted only when it is integral and in range.
    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .uint(let value): return Int64(exactly: value)
        case .double(let value): return Int64(exactly: value)
        default: return nil
        }
    }

    /// The integer value when it is in `0...UInt64.max`; a double is converted only when it is integral and in range.
    public var uint64Value: UInt64? {
        switch self {
        case .int(let value): return UInt64(exactly: value)
        case .uint(let value): return value
        case .double(let value): return UInt64(exactly: value)
        default: return nil
        }
    }

    /// The numeric value of an integer (rounded to the nearest double) or a double.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .uint(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The value of a ``string(_:)``, else `nil` (other values are not converted to text).
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The elements of an ``array(_:)``, else `nil`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of an ``object(_:)``, else `nil`.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }
}

extension JSONValue {
    /// An exact integer: ``int(_:)`` when `value` fits in `Int64`, else ``uint(_:)``.
    public init(_ value: UInt64) {
        if let small = Int64(exactly: value) { self = .int(small) } else { self = .uint(value) }
    }

    /// ``int(_:)``, for a variable: `["size": JSONValue(size)]` (a literal needs no call).
    public init(_ value: Int) { self = .int(Int64(value)) }

    /// ``int(_:)``.
    public init(_ value: Int64) { self = .int(value) }

    /// ``string(_:)``, for a variable: `["id": JSONValue(job)]` (a literal needs no call).
    public init(_ value: String) { self = .string(value) }

    /// ``bool(_:)``.
    public init(_ value: Bool) { self = .bool(value) }

    /// ``double(_:)``.
    public init(_ value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

/// So that a string built from variables reads as a literal does:
/// `["job-id": "\(jobID)", "device": "\(node)"]`.
extension JSONValue: ExpressibleByStringInterpolation {
    public init(stringInterpolation: DefaultStringInterpolation) {
        self = .string(String(stringInterpolation: stringInterpolation))
    }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of the value.
    public var description: String { serialized() }
}
