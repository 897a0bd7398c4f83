import QMP

/// What `query-qmp-schema` says about commands' arguments, reduced to what completion
/// needs. Read leniently: entries it does not understand are skipped, and a QEMU that
/// does not answer gives an empty schema (names from `query-commands` still complete).
struct CommandSchema: Sendable {
    enum Shape: Sendable {
        /// An object's members (a union's from every branch), name to type name.
        case object([String: String])
        case enumeration([String])
        /// An alternate's branch types.
        case alternate([String])
        case builtin(String)
        case other
    }

    /// A union's own members and its branches, to offer only the branch its tag selects.
    struct Union: Sendable {
        var tag: String
        var base: [String: String]
        /// Tag value to the branch's type name.
        var branches: [String: String]
    }

    /// Command name to the name of its argument type.
    private(set) var argumentTypes: [String: String] = [:]
    private(set) var types: [String: Shape] = [:]
    private(set) var unions: [String: Union] = [:]

    init() {}

    init(parsing value: JSONValue) {
        guard let entities = value.arrayValue else { return }
        var variantTypes: [String: [String]] = [:]
        for entity in entities {
            guard let object = entity.objectValue, let name = object["name"]?.stringValue else { continue }
            switch object["meta-type"]?.stringValue {
            case "command":
                if let arguments = object["arg-type"]?.stringValue { argumentTypes[name] = arguments }
            case "object":
                var members: [String: String] = [:]
                for member in object["members"]?.arrayValue ?? [] {
                    if let memberName = member["name"]?.stringValue, let type = member["type"]?.stringValue {
                        members[memberName] = type
                    }
                }
                types[name] = .object(members)
                let variants = object["variants"]?.arrayValue ?? []
                variantTypes[name] = variants.compactMap { $0["type"]?.stringValue }
                if let tag = object["tag"]?.stringValue, !variants.isEmpty {
                    let branches = variants.compactMap { variant in
                        variant["case"]?.stringValue.flatMap { value in variant["type"]?.stringValue.map { (value, $0) } }
                    }
                    unions[name] = Union(tag: tag, base: members, branches: Dictionary(branches) { first, _ in first })
                }
            case "enum":
                let values = (object["values"]?.arrayValue ?? []).compactMap(\.stringValue)
                types[name] = .enumeration(values)
            case "alternate":
                types[name] = .alternate((object["members"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue })
            case "builtin":
                types[name] = .builtin(object["json-type"]?.stringValue ?? name)
            default:
                types[name] = .other
            }
        }
        // A union's branches add their members to the base's, for completion's purpose.
        for (name, variants) in variantTypes where !variants.isEmpty {
            guard case .object(var members) = types[name] else { continue }
            for variant in variants {
                if case .object(let more) = types[variant] { members.merge(more) { first, _ in first } }
            }
            types[name] = .object(members)
        }
    }

    /// The members of the object at `path` under `command`'s arguments (`[]` for the
    /// arguments themselves); `nil` when that is no object the schema describes. `given`
    /// holds the arguments already on the line by dotted key (`file.driver` → `file`): a
    /// union whose tag is among them offers its own members and that branch's only.
    func members(of command: String, at path: [String], given: [String: String] = [:]) -> [String: String]? {
        guard var type = argumentTypes[command] else { return nil }
        for (depth, key) in path.enumerated() {
            guard let members = objectMembers(type, at: path[..<depth], given: given), let next = members[key] else { return nil }
            type = next
        }
        return objectMembers(type, at: path[...], given: given)
    }

    /// The values the member at `path` may take, when the schema lists them.
    func values(of command: String, at path: [String], given: [String: String] = [:]) -> [String] {
        guard let key = path.last, let members = members(of: command, at: Array(path.dropLast()), given: given),
              let type = members[key] else { return [] }
        return values(type)
    }

    func isObject(_ type: String) -> Bool {
        objectMembers(type) != nil
    }

    /// An alternate's branches are looked into one level deep: QAPI has no alternate of
    /// alternates, and following one that names itself (or a chain that doubles at each
    /// step) would never end.
    private func objectMembers(
        _ type: String, at path: ArraySlice<String> = [], given: [String: String] = [:], inAlternate: Bool = false
    ) -> [String: String]? {
        switch types[type] {
        case .object(let members):
            guard let union = unions[type], let value = given[(path + [union.tag]).joined(separator: ".")],
                  let branch = union.branches[value] else { return members }
            guard case .object(let more) = types[branch] else { return union.base }
            return union.base.merging(more) { first, _ in first }
        case .alternate(let branches) where !inAlternate:
            return branches.lazy.compactMap { objectMembers($0, at: path, given: given, inAlternate: true) }.first
        default: return nil
        }
    }

    private func values(_ type: String, inAlternate: Bool = false) -> [String] {
        switch types[type] {
        case .enumeration(let values): return values
        case .builtin("boolean"): return ["true", "false"]
        case .alternate(let branches) where !inAlternate: return branches.flatMap { values($0, inAlternate: true) }
        default: return []
        }
    }
}
