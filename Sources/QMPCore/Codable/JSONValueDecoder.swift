/// Decodes any `Decodable` from a ``JSONValue``, without Foundation.
///
/// `QMPClient.execute(_:arguments:as:)` uses it for typed results. Integers
/// must fit the requested type exactly; a missing key for an optional property
/// decodes as `nil`. Errors are Swift `DecodingError`s with the coding path.
public struct JSONValueDecoder: Sendable {
    /// Creates a decoder. It has no options and keeps no state, so one can be shared.
    public init() {}

    /// Decodes a value of type `type` from `value`.
    ///
    /// Use it to read a reply or an event's data into your own `Decodable` type:
    /// `try JSONValueDecoder().decode(JobInfo.self, from: .object(event.data))`.
    /// A `JSONValue` property receives its member unchanged; a `Double` accepts
    /// any JSON number; an integer type accepts an integral number only if it
    /// fits exactly.
    ///
    /// - Throws: A `DecodingError` naming the coding path: `typeMismatch` for a
    ///   member of the wrong JSON type, `keyNotFound` for a missing non-optional
    ///   member, `dataCorrupted` for an integer out of range; or whatever
    ///   `T.init(from:)` itself throws.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoding(value: value, codingPath: []).decodeValue(type)
    }
}

struct JSONValueDecoding: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, DecodingError.Context(
            codingPath: codingPath, debugDescription: "expected \(expected), found \(Self.brief(value))"))
    }

    /// The value's type and, for a scalar, a prefix of the value itself: the whole of a large
    /// subtree would swamp the message (``QMPError/value`` keeps it).
    static func brief(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .array(let array): return "an array of \(array.count) value\(array.count == 1 ? "" : "s")"
        case .object(let object): return "an object of \(object.count) member\(object.count == 1 ? "" : "s")"
        case .string(let string) where string.count > 40: return "string \(JSONValue.string(String(string.prefix(40))))…"
        default: return "\(value.typeName) \(value)"
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = value else { throw mismatch("an array") }
        return UnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if type == JSONValue.self, let value = value as? T { return value }
        if let integerType = type as? any FixedWidthInteger.Type {
            let exact: (any FixedWidthInteger)?
            switch value {
            case .int(let integer): exact = integerType.init(exactly: integer)
            case .uint(let integer): exact = integerType.init(exactly: integer)
            case .double(let double) where double.rounded(.towardZero) == double: exact = integerType.init(exactly: double)
            default: throw mismatch("an integer")
            }
            guard let exact = exact as? T else {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: codingPath, debugDescription: "\(value) does not fit in \(type)"))
            }
            return exact
        }
        if type == Double.self, let double = value.doubleValue as? T { return double }
        if type == Float.self, let double = value.doubleValue {
            let float = Float(double)
            guard float.isFinite, let float = float as? T else {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: codingPath, debugDescription: "\(value) does not fit in Float"))
            }
            return float
        }
        if type == String.self {
            guard let string = value.stringValue as? T else { throw mismatch("a string") }
            return string
        }
        if type == Bool.self {
            guard let bool = value.boolValue as? T else { throw mismatch("a bool") }
            return bool
        }
        if type == Double.self || type == Float.self { throw mismatch("a number") }
        return try T(from: self)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let object: JSONObject
        let codingPath: [any CodingKey]

        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        private func member(_ key: Key) throws -> JSONValueDecoding {
            guard let value = object[key.stringValue] else {
                throw DecodingError.keyNotFound(key, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "no member '\(key.stringValue)'"))
            }
            return JSONValueDecoding(value: value, codingPath: codingPath + [key])
        }

        func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue]?.isNull ?? true }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try member(key).decodeValue(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try member(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try member(key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            JSONValueDecoding(value: object["super"] ?? .null, codingPath: codingPath + [AnyCodingKey("super")])
        }

        func superDecoder(forKey key: Key) throws -> any Decoder { try member(key) }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let array: [JSONValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        private mutating func next() throws -> JSONValueDecoding {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Any.self, DecodingError.Context(
                    codingPath: codingPath, debugDescription: "array has only \(array.count) elements"))
            }
            defer { currentIndex += 1 }
            return JSONValueDecoding(value: array[currentIndex], codingPath: codingPath + [AnyCodingKey(intValue: currentIndex)])
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, array[currentIndex].isNull else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> any Decoder { try next() }
    }
}

extension JSONValueDecoding: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value.isNull }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }
}
