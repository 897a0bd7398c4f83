/// Encodes any `Encodable` straight into a ``JSONValue``, without Foundation.
///
/// `QMPClient.execute(_:arguments:as:)` uses it for typed arguments. Struct
/// properties keep their declaration order; `nil` optionals are omitted (the
/// synthesized `encodeIfPresent`), as QEMU expects for absent optional arguments.
public struct JSONValueEncoder: Sendable {
    /// Creates an encoder. It has no options and keeps no state, so one can be shared.
    public init() {}

    /// Encodes `value` as a ``JSONValue``, for example to pass as command arguments.
    ///
    /// Integers stay exact (``JSONValue/int(_:)``, or ``JSONValue/uint(_:)``
    /// above `Int64.max`), a `JSONValue` inside `value` is inserted as it is,
    /// and a key written twice keeps the last value.
    ///
    /// - Throws: `EncodingError.invalidValue` for a non-finite `Double` or
    ///   `Float` (JSON cannot represent it) or an integer wider than 64 bits that
    ///   does not fit; or whatever `value.encode(to:)` itself throws.
    public func encode(_ value: some Encodable) throws -> JSONValue {
        let encoder = JSONValueEncoding(node: EncodingNode(), codingPath: [])
        try value.encode(to: encoder)
        return encoder.node.value
    }
}

/// A node of the value being built. Containers hold nodes by reference, so a
/// nested container keeps writing into its parent after it was handed out.
final class EncodingNode {
    /// An object's members so far, keys unique, in first-write order.
    struct Members {
        var keys: [String] = []
        var nodes: [EncodingNode] = []
        var positions = KeyPositions()
    }

    enum Content {
        case leaf(JSONValue)
        case object(Members)
        case array([EncodingNode])
    }

    var content: Content = .leaf(.null)

    var value: JSONValue {
        switch content {
        case .leaf(let value): return value
        case .object(let members):
            var object = [JSONObject.Member]()
            object.reserveCapacity(members.keys.count)
            for (key, node) in zip(members.keys, members.nodes) {
                object.append(JSONObject.Member(key: key, value: node.value))
            }
            return .object(JSONObject(uniqueMembers: object))
        case .array(let nodes): return .array(nodes.map(\.value))
        }
    }

    func becomeObject() {
        if case .object = content { return }
        content = .object(Members())
    }

    func becomeArray() {
        if case .array = content { return }
        content = .array([])
    }

    /// The member `key`, replacing any earlier one.
    func child(forKey key: String) -> EncodingNode {
        becomeObject()
        guard case .object(var members) = content else { return EncodingNode() }
        // Leaves `members` the only reference to its arrays, so they grow in place:
        // copying them per member would make encoding a large dictionary quadratic.
        content = .leaf(.null)
        let node = EncodingNode()
        if let index = members.positions.position(of: key, in: members.keys) {
            members.nodes[index] = node
        } else {
            members.positions.appended(key, at: members.keys.count)
            members.keys.append(key)
            members.nodes.append(node)
        }
        content = .object(members)
        return node
    }

    func appendChild() -> EncodingNode {
        becomeArray()
        guard case .array(var nodes) = content else { return EncodingNode() }
        content = .leaf(.null)  // as in child(forKey:): append in place
        let node = EncodingNode()
        nodes.append(node)
        content = .array(nodes)
        return node
    }

    var arrayCount: Int {
        if case .array(let nodes) = content { return nodes.count }
        return 0
    }
}

struct JSONValueEncoding: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(node: node, codingPath: codingPath)
    }

    /// Encodes `value` into `node`: integers exactly, JSON values as they are, the rest recursively.
    static func encode(_ value: some Encodable, into node: EncodingNode, codingPath: [any CodingKey]) throws {
        if let json = value as? JSONValue {
            node.content = .leaf(json)
        } else if let integer = value as? any BinaryInteger {
            if let exact = Int64(exactly: integer) {
                node.content = .leaf(.int(exact))
            } else if let exact = UInt64(exactly: integer) {
                node.content = .leaf(.uint(exact))
            } else {
                throw EncodingError.invalidValue(value, EncodingError.Context(
                    codingPath: codingPath, debugDescription: "\(integer) does not fit in a 64-bit JSON integer"))
            }
        } else if let double = value as? Double {
            node.content = .leaf(try finite(double, value, codingPath))
        } else if let float = value as? Float {
            node.content = .leaf(try finite(Double(float), value, codingPath))
        } else if let string = value as? String {
            node.content = .leaf(.string(string))
        } else if let bool = value as? Bool {
            node.content = .leaf(.bool(bool))
        } else {
            try value.encode(to: JSONValueEncoding(node: node, codingPath: codingPath))
        }
    }

    /// JSON has no infinity or NaN: encoding one fails, as Foundation's `JSONEncoder` does,
    /// rather than sending QEMU a `null` it did not ask for.
    private static func finite(_ double: Double, _ value: some Encodable, _ codingPath: [any CodingKey]) throws -> JSONValue {
        guard double.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: codingPath, debugDescription: "\(double) has no JSON form"))
        }
        return .double(double)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: EncodingNode
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.child(forKey: key.stringValue).content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONValueEncoding.encode(value, into: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(
            keyedBy keyType: NestedKey.Type, forKey key: Key
        ) -> KeyedEncodingContainer<NestedKey> {
            JSONValueEncoding(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            JSONValueEncoding(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            JSONValueEncoding(node: node.child(forKey: "super"), codingPath: codingPath + [AnyCodingKey("super")])
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            JSONValueEncoding(node: node.child(forKey: key.stringValue), codingPath: codingPath + [key])
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let node: EncodingNode
        let codingPath: [any CodingKey]
        var count: Int { node.arrayCount }

        private var nextPath: [any CodingKey] { codingPath + [AnyCodingKey(intValue: count)] }

        mutating func encodeNil() throws { node.appendChild().content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let path = nextPath
            try JSONValueEncoding.encode(value, into: node.appendChild(), codingPath: path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let path = nextPath
            return JSONValueEncoding(node: node.appendChild(), codingPath: path).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let path = nextPath
            return JSONValueEncoding(node: node.appendChild(), codingPath: path).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            let path = nextPath
            return JSONValueEncoding(node: node.appendChild(), codingPath: path)
        }
    }

    struct SingleContainer: SingleValueEncodingContainer {
        let node: EncodingNode
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.content = .leaf(.null) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoding.encode(value, into: node, codingPath: codingPath)
        }
    }
}
