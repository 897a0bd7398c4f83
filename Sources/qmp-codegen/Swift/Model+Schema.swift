extension Model {
    /// Structure from the schema, names from the facts (see ``TypeNaming``).
    init(definitions: [Definition], schema: Schema) {
        let naming = TypeNaming(schema: schema, definitions: definitions)
        warnings += naming.conflicts.map { "schema type named twice: \($0)" }
        var swiftNames: [String: String] = [:]
        var used: Set<String> = []
        for entity in schema.entities where ["object", "enum", "alternate"].contains(entity.metaType) {
            guard entity.name != "0", naming.implicitOwners[entity.name] == nil || naming.names[entity.name] != nil else { continue }
            var name = naming.names[entity.name].map(SwiftName.documentedType) ?? "Unnamed\(entity.metaType.capitalizedFirst)\(entity.name)"
            if naming.names[entity.name] == nil { warnings.append("schema type \(entity.name) (\(entity.metaType)) has no documented name") }
            while used.contains(name) { name += "_" }
            used.insert(name)
            swiftNames[entity.name] = name
        }

        func ref(_ type: String) -> TypeRef {
            switch type {
            case "str": return .string
            case "int": return .int
            case "bool": return .bool
            case "number": return .number
            case "any": return .any
            case "null": return .null
            case "0": return .empty
            default:
                if type.hasPrefix("[") { return .array(ref(String(type.dropFirst().dropLast()))) }
                return .named(swiftNames[type] ?? "Unnamed\(type)")
            }
        }

        /// Documented members, bases included, by name.
        func documentedMembers(_ definition: Definition?, depth: Int = 0) -> [String: Definition.Member] {
            guard let definition, depth < 16 else { return [:] }
            var members: [String: Definition.Member] = [:]
            for base in definition.bases {
                members.merge(documentedMembers(naming.definition(named: base), depth: depth + 1)) { mine, _ in mine }
            }
            for member in definition.members { members[member.name] = member }
            return members
        }

        func fields(_ entity: Schema.Entity, documented: Definition?) -> [Field] {
            let docs = documentedMembers(documented)
            return entity.members.map { member in
                // Optional when deprecated, required or not: QEMU removes what it deprecates two
                // releases on, and a reply from such a release must still decode.
                let deprecated = member.features.contains("deprecated")
                return Field(wire: member.name, type: ref(member.type), optional: member.optional || deprecated,
                             since: docs[member.name]?.since, deprecated: deprecated)
            }
        }

        func origin(_ name: String, _ documented: Definition?, features: [String]) -> Origin {
            let all = Set(features + (documented?.features ?? []))
            return Origin(qapiName: name, section: documented?.section ?? "", since: documented?.since,
                          deprecated: features.contains("deprecated"), unstable: all.contains("unstable"))
        }

        func payload(_ type: String?, documented: Definition?) -> Payload {
            guard let type, type != "0", let entity = schema.byName[type] else { return .fields([]) }
            if naming.implicitOwners[type] != nil && naming.names[type] == nil || entity.variants.isEmpty {
                return .fields(fields(entity, documented: naming.definition(of: type) ?? documented))
            }
            return .boxed(ref(type))
        }

        var usedCommandNames = used
        for entity in schema.entities {
            let documented = naming.definition(named: entity.name)
            switch entity.metaType {
            case "command":
                var name = SwiftName.type(entity.name)
                var arguments = payload(entity.argType, documented: documented)
                if usedCommandNames.contains(name) {
                    if let argType = entity.argType, swiftNames[argType] == name, case .fields = arguments {
                        arguments = .conforming(name)
                    } else {
                        name += "Command"
                    }
                }
                usedCommandNames.insert(name)
                commands.append(Command(
                    swiftName: name, origin: origin(entity.name, documented, features: entity.features),
                    arguments: arguments, result: ref(entity.retType ?? "0")))
            case "event":
                var name = SwiftName.type(entity.name) + "Event"
                if usedCommandNames.contains(name) { name += "Data" }
                usedCommandNames.insert(name)
                events.append(EventDecl(
                    swiftName: name, origin: origin(entity.name, documented, features: entity.features),
                    data: payload(entity.argType, documented: documented)))
            case "object", "enum", "alternate":
                guard let swiftName = swiftNames[entity.name] else { continue }
                let documented = naming.definition(of: entity.name)
                let qapiName = naming.names[entity.name] ?? entity.name
                let shape: Shape
                switch entity.metaType {
                case "enum":
                    let docs = Dictionary((documented?.values ?? []).map { ($0.name, $0) }) { first, _ in first }
                    let deprecated = Set((schema.byName[entity.name]?.members ?? []).filter { $0.features.contains("deprecated") }.map(\.name))
                    shape = .enumeration(values: entity.values.map { docs[$0] ?? Definition.Value(name: $0, since: nil) }, deprecated: deprecated)
                case "alternate":
                    let alternatives = documented.map { naming.documentedAlternatives(of: entity, in: $0) } ?? []
                    shape = .alternate(entity.members.enumerated().map { index, member in
                        let name = index < alternatives.count ? alternatives[index]?.name : nil
                        return (name ?? "alternative\(index)", ref(member.type))
                    })
                default:
                    var all = fields(entity, documented: documented)
                    var union: Union?
                    if let tag = entity.tag, let index = all.firstIndex(where: { $0.wire == tag }) {
                        let tagField = all.remove(at: index)
                        let tagValues = schema.byName[entity.members[index].type]?.values ?? entity.variants.map(\.value)
                        let variants = Dictionary(entity.variants.map { ($0.value, $0.type) }) { first, _ in first }
                        union = Union(tag: tagField, branches: tagValues.map { value in
                            Branch(value: value, type: variants[value].flatMap { $0 == "0" ? nil : ref($0) })
                        })
                    }
                    shape = .object(fields: all, union: union)
                }
                types.append(TypeDecl(swiftName: swiftName, origin: origin(qapiName, documented, features: entity.features), shape: shape))
            default:
                break
            }
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
