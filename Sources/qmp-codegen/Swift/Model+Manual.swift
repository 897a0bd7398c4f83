extension Model.TypeRef {
    /// A built-in type as the manual writes it (`string`, `boolean`, `value`…).
    init?(manualBuiltin type: String) {
        switch type {
        case "string": self = .string
        case "int": self = .int
        case "boolean": self = .bool
        case "number": self = .number
        case "value": self = .any
        case "null": self = .null
        default: return nil
        }
    }
}

extension Model {
    /// Structure and names from the facts alone, for a protocol without `query-qmp-schema`
    /// (the guest agent). A command whose result the reference does not name is typed `JSONValue`.
    init(manual definitions: [Definition]) {
        let byName = Dictionary(definitions.map { ($0.name, $0) }) { first, _ in first }
        var warnings: [String] = []

        func ref(_ type: String) -> TypeRef {
            if let builtin = TypeRef(manualBuiltin: type) { return builtin }
            if type.hasPrefix("[") { return .array(ref(type.trimmingBrackets())) }
            guard byName[type] != nil else {
                warnings.append("type \(type) is not documented; typed JSONValue")
                return .any
            }
            return .named(SwiftName.documentedType(type))
        }

        /// Bases first, then the definition's own members, as the reference lists them.
        func fields(_ definition: Definition, depth: Int = 0) -> [Field] {
            guard depth < 16 else { return [] }
            let inherited = definition.bases.compactMap { byName[$0] }.flatMap { fields($0, depth: depth + 1) }
            return inherited + definition.members.map { member in
                Field(wire: member.name, type: ref(member.type), optional: member.optional, since: member.since, deprecated: false)
            }
        }

        func origin(_ definition: Definition) -> Origin {
            Origin(qapiName: definition.name, section: definition.section, since: definition.since,
                   deprecated: definition.features.contains("deprecated"), unstable: definition.features.contains("unstable"))
        }

        var used: Set<String> = []
        for definition in definitions {
            let swiftName = SwiftName.documentedType(definition.name)
            let shape: Shape
            switch definition.kind {
            case .enumeration:
                shape = .enumeration(values: definition.values, deprecated: [])
            case .alternate:
                shape = .alternate(definition.members.map { ($0.name, ref($0.type)) })
            case .object:
                var all = fields(definition)
                var union: Union?
                if let tag = definition.branches.first?.tag, let index = all.firstIndex(where: { $0.wire == tag }) {
                    let tagField = all.remove(at: index)
                    let tagType = definition.members.first { $0.name == tag }?.type ?? ""
                    let values = byName[tagType]?.values.map(\.name) ?? definition.branches.map(\.value)
                    union = Union(tag: tagField, branches: values.map { value in
                        Branch(value: value, type: definition.branches.first { $0.value == value }.map { ref($0.type) })
                    })
                }
                shape = .object(fields: all, union: union)
            case .command, .event:
                continue
            }
            used.insert(swiftName)
            types.append(TypeDecl(swiftName: swiftName, origin: origin(definition), shape: shape))
        }
        for definition in definitions where definition.kind == .command || definition.kind == .event {
            if definition.kind == .event {
                events.append(EventDecl(swiftName: SwiftName.type(definition.name) + "Event", origin: origin(definition),
                                        data: .fields(fields(definition))))
                continue
            }
            var name = SwiftName.type(definition.name)
            if used.contains(name) { name += "Command" }
            used.insert(name)
            let named = definition.returns.first { byName[$0.trimmingBrackets()] != nil }
            commands.append(Command(swiftName: name, origin: origin(definition), arguments: .fields(fields(definition)),
                                    result: named.map(ref) ?? .any))
        }
        self.warnings = warnings
    }
}
