/// One QMP message: a JSON object exchanged in either direction.
///
/// A message keeps the object exactly as parsed (member order included);
/// ``kind`` classifies it by the members QMP defines.
public struct Message: Sendable, Hashable {
    /// What a message is, judged by its members.
    public enum Kind: Sendable, Hashable {
        /// `{"QMP": {...}}`, the server's first message.
        case greeting
        /// `{"event": ..., "data": ..., "timestamp": ...}`.
        case event
        /// `{"return": ...}`, a successful reply.
        case success
        /// `{"error": {"class": ..., "desc": ...}}`, a failed reply.
        case error
        /// `{"execute": ...}` or `{"exec-oob": ...}`, a command from a client.
        case command
        /// None of the above.
        case unknown
    }

    /// The message's members, in wire order.
    public var object: JSONObject

    /// Wraps an object as a message, without checking it against QMP's layouts (see ``kind``).
    public init(_ object: JSONObject) {
        self.object = object
    }

    /// Parses one message; anything but a JSON object is ``QMPError/Code/malformedMessage``.
    public init(parsing bytes: some Collection<UInt8>, maxDepth: Int = JSONParser.defaultMaxDepth) throws(QMPError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        } catch {
            throw QMPError(.malformedMessage, "malformed QMP message: \(error)", offset: error.offset)
        }
        guard case .object(let object) = value else {
            throw QMPError(.malformedMessage, "malformed QMP message: expected a JSON object, got \(value.typeName)")
        }
        self.object = object
    }

    /// Reads, replaces, adds or (assigning `nil`) removes the top-level member `key`,
    /// such as `"return"`, `"error"` or `"id"`.
    public subscript(key: String) -> JSONValue? {
        get { object[key] }
        set { object[key] = newValue }
    }

    /// What the message is, decided by the first member whose key QMP defines
    /// (`return`, `error`, `event`, `QMP`, `execute` or `exec-oob`); ``Kind/unknown``
    /// when there is none. The other members are not checked: an event without
    /// `data` is still ``Kind/event``.
    public var kind: Kind {
        // Replies are by far the most common, so test them first.
        for member in object {
            switch member.key {
            case "return": return .success
            case "error": return .error
            case "event": return .event
            case "QMP": return .greeting
            case "execute", "exec-oob": return .command
            default: continue
            }
        }
        return .unknown
    }

    /// The `id` member, which a reply copies from its command.
    public var id: JSONValue? { object["id"] }

    /// The compact wire form, without the trailing line break.
    public func serializedBytes() -> [UInt8] {
        JSONValue.object(object).serializedBytes()
    }
}

extension Message: CustomStringConvertible {
    public var description: String { JSONValue.object(object).serialized() }
}

extension JSONValue {
    /// `"null"`, `"bool"`, `"integer"`, `"double"`, `"string"`, `"array"` or `"object"`, for error texts.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .uint: return "integer"
        case .double: return "double"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
