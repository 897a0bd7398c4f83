import QMPCore

/// The `query-qmp-schema` of one QEMU binary: every command, event and type it has, by masked name.
struct Schema {
    struct Member {
        var name: String
        var type: String
        var optional: Bool
        var features: [String]
    }

    struct Variant {
        var value: String
        var type: String
    }

    struct Entity {
        var name: String
        var metaType: String
        var members: [Member] = []
        var tag: String?
        var variants: [Variant] = []
        /// An enum's values; an alternate's alternatives are in ``members`` without names.
        var values: [String] = []
        var argType: String?
        var retType: String?
        var elementType: String?
        var features: [String] = []
    }

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    /// In schema order.
    var entities: [Entity]
    var byName: [String: Entity]

    init(entities: [Entity]) {
        self.entities = entities
        byName = Dictionary(entities.map { ($0.name, $0) }) { first, _ in first }
    }

    /// Reads the first reply of a transcript whose `return` is the schema's array.
    init(transcript: String) throws(FormatError) {
        for line in transcript.split(separator: "\n") where line.hasPrefix("<- ") {
            guard let message = try? JSONParser.parse(Array(line.dropFirst(3).utf8)),
                  case .array(let items)? = message["return"],
                  items.first?["meta-type"] != nil else { continue }
            self.init(entities: try items.map { item throws(FormatError) in try Self.entity(item) })
            return
        }
        throw FormatError(description: "the transcript has no query-qmp-schema reply")
    }

    private static func entity(_ item: JSONValue) throws(FormatError) -> Entity {
        guard let name = item["name"]?.stringValue, let metaType = item["meta-type"]?.stringValue else {
            throw FormatError(description: "schema entry without name or meta-type: \(item)")
        }
        var entity = Entity(name: name, metaType: metaType)
        entity.tag = item["tag"]?.stringValue
        entity.argType = item["arg-type"]?.stringValue
        entity.retType = item["ret-type"]?.stringValue
        entity.elementType = item["element-type"]?.stringValue
        entity.features = strings(item["features"])
        entity.values = strings(item["values"])
        for member in item["members"]?.arrayValue ?? [] where metaType != "enum" {
            guard let type = member["type"]?.stringValue else {
                throw FormatError(description: "member without type in \(name)")
            }
            entity.members.append(Member(
                name: member["name"]?.stringValue ?? "", type: type,
                optional: member["default"] != nil, features: strings(member["features"])))
        }
        for variant in item["variants"]?.arrayValue ?? [] {
            guard let value = variant["case"]?.stringValue, let type = variant["type"]?.stringValue else {
                throw FormatError(description: "variant without case or type in \(name)")
            }
            entity.variants.append(Variant(value: value, type: type))
        }
        return entity
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
