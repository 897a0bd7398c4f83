extension JSONValue: Codable {
    /// Decodes whatever value is there, so a `JSONValue` property can hold a member of any shape.
    ///
    /// From ``JSONValueDecoder`` the value is taken as it is. From another decoder
    /// (Foundation's `JSONDecoder`, say) the first of these that fits wins: null,
    /// bool, `Int64`, `UInt64`, `Double`, string, array, object; an object's
    /// members come out sorted by key, since a keyed container has no order.
    /// - Throws: The decoder's `DecodingError` when the value is none of these.
    public init(from decoder: any Decoder) throws {
        if let direct = decoder as? JSONValueDecoding {
            self = direct.value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {
            self = .int(int)
        } else if let uint = try? container.decode(UInt64.self) {
            self = .uint(uint)
        } else if let double = try? container.decode(Double.self) {
            self = .double(double)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            let dictionary = try container.decode([String: JSONValue].self)
            self = .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
    }

    /// Encodes the value as the JSON it is, objects in member order where the encoder keeps order.
    ///
    /// With ``JSONValueEncoder`` the value is inserted as it is.
    /// - Throws: Whatever the encoder throws (a non-finite double, for example).
    public func encode(to encoder: any Encoder) throws {
        if let direct = encoder as? JSONValueEncoding {
            direct.node.content = .leaf(self)
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .uint(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let object):
            var keyed = encoder.container(keyedBy: AnyCodingKey.self)
            for member in object { try keyed.encode(member.value, forKey: AnyCodingKey(member.key)) }
        }
    }
}

/// A coding key made from any string or index.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init?(stringValue: String) { self.init(stringValue) }

    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}
