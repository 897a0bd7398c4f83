extension QMPSchema {
    /// Reads the `return` value of `query-qmp-schema`: a JSON array of entities.
    ///
    /// Entities of a meta-type this version does not know, and members it does not
    /// know, are skipped, so the schema of a newer QEMU still reads. Every type a
    /// command, event, member, variant, array or alternate refers to must be in the
    /// schema, and no union's variants may lead back to the union.
    ///
    /// - Throws: ``QMPError/Code/decodingFailed`` naming the entity (by index and name)
    ///   and the member that is missing, of the wrong type, or refers to no type, or the
    ///   variant that leads back to its union.
    public init(_ value: JSONValue) throws(QMPError) {
        guard case .array(let entities) = value else {
            throw QMPError(.decodingFailed, "query-qmp-schema: expected an array of entities, got \(value.typeName)", command: "query-qmp-schema")
        }
        self.init(commands: [], types: [])
        var references: [(entity: SchemaEntityReader, type: String, member: String)] = []
        for (index, entity) in entities.enumerated() {
            let reader = try SchemaEntityReader(entity, index: index)
            try add(reader, references: &references)
        }
        for reference in references where types[reference.type] == nil {
            throw reference.entity.error("'\(reference.member)' refers to type '\(reference.type)', which the schema does not define")
        }
        try checkVariantChainsEnd()
    }

    /// A variant's members are checked as part of its union's object, with no deeper
    /// value to stop at, so a chain of variants that comes back to a type on it would be
    /// followed forever. QAPI has no such schema; a peer may send one.
    private func checkVariantChainsEnd() throws(QMPError) {
        enum Mark { case onChain, finished }
        var marks: [String: Mark] = [:]
        for start in types.keys where marks[start] == nil {
            // Depth first without recursion: the chain may be as long as the schema.
            var chain: [(type: String, nextVariant: Int)] = [(start, 0)]
            marks[start] = .onChain
            while let (type, next) = chain.last {
                let variants = objectType(named: type)?.variants ?? []
                guard next < variants.count else {
                    marks[type] = .finished
                    chain.removeLast()
                    continue
                }
                chain[chain.count - 1].nextVariant += 1
                let variant = variants[next].type
                switch marks[variant] {
                case .onChain?:
                    throw QMPError(
                        .decodingFailed, "query-qmp-schema: type '\(type)' has variant '\(variant)', which leads back to '\(type)'",
                        command: "query-qmp-schema")
                case .finished?:
                    continue
                case nil:
                    marks[variant] = .onChain
                    chain.append((variant, 0))
                }
            }
        }
    }

    private mutating func add(
        _ entity: SchemaEntityReader,
        references: inout [(entity: SchemaEntityReader, type: String, member: String)]
    ) throws(QMPError) {
        let name = entity.name
        let features = try entity.strings("features") ?? []
        func refer(_ type: String, from member: String) { references.append((entity, type, member)) }
        switch try entity.string("meta-type") {
        case "command":
            let command = SchemaCommand(
                name: name, argumentType: try entity.string("arg-type"), returnType: try entity.string("ret-type"),
                allowsOOB: try entity.bool("allow-oob") ?? false, features: features
            )
            refer(command.argumentType, from: "arg-type")
            refer(command.returnType, from: "ret-type")
            commands[name] = command
        case "event":
            let event = SchemaEvent(name: name, argumentType: try entity.string("arg-type"), features: features)
            refer(event.argumentType, from: "arg-type")
            events[name] = event
        case "object":
            let members = try entity.objects("members").enumerated().map { (index, member) throws(QMPError) in
                let path = "members[\(index)]"
                let type = try entity.string("type", in: member, path)
                refer(type, from: path + ".type")
                return SchemaMember(
                    name: try entity.string("name", in: member, path), type: type,
                    isOptional: member["default"] != nil, defaultValue: member["default"].flatMap { $0.isNull ? nil : $0 },
                    features: try entity.strings("features", in: member, path) ?? []
                )
            }
            let variants = try (entity.optionalObjects("variants") ?? []).enumerated().map { (index, variant) throws(QMPError) in
                let path = "variants[\(index)]"
                let type = try entity.string("type", in: variant, path)
                refer(type, from: path + ".type")
                return SchemaVariant(tagValue: try entity.string("case", in: variant, path), type: type)
            }
            let tag = try entity.optionalString("tag")
            if let tag, !members.contains(where: { $0.name == tag }) {
                throw entity.error("'tag' names '\(tag)', which is not one of its members")
            }
            types[name] = .object(SchemaObjectType(name: name, members: members, tag: tag, variants: variants, features: features))
        case "enum":
            // QEMU 6.2 added `members` with features; older ones list only `values`.
            let members: [SchemaEnumMember]
            if entity.object["members"] != nil {
                members = try entity.objects("members").enumerated().map { (index, member) throws(QMPError) in
                    let path = "members[\(index)]"
                    return SchemaEnumMember(
                        name: try entity.string("name", in: member, path),
                        features: try entity.strings("features", in: member, path) ?? []
                    )
                }
            } else {
                guard let values = try entity.strings("values") else { throw entity.error("'members' and 'values' are both missing") }
                members = values.map { SchemaEnumMember(name: $0) }
            }
            types[name] = .enumeration(SchemaEnumType(name: name, members: members, features: features))
        case "array":
            let element = try entity.string("element-type")
            refer(element, from: "element-type")
            types[name] = .array(SchemaArrayType(name: name, elementType: element))
        case "alternate":
            let members = try entity.objects("members").enumerated().map { (index, member) throws(QMPError) in
                let type = try entity.string("type", in: member, "members[\(index)]")
                refer(type, from: "members[\(index)].type")
                return type
            }
            types[name] = .alternate(SchemaAlternateType(name: name, members: members))
        case "builtin":
            let kind = try entity.string("json-type")
            guard let jsonType = SchemaBuiltinType.JSONKind(rawValue: kind) else {
                throw entity.error("'json-type' is '\(kind)', not one of \(SchemaBuiltinType.JSONKind.allCases.map(\.rawValue))")
            }
            types[name] = .builtin(SchemaBuiltinType(name: name, jsonType: jsonType))
        default:
            break
        }
    }
}

/// Reads the members of one schema entity, with errors that say which entity and member.
private struct SchemaEntityReader {
    let object: JSONObject
    let index: Int
    let name: String

    init(_ value: JSONValue, index: Int) throws(QMPError) {
        guard case .object(let object) = value else {
            throw Self.error(index: index, name: nil, "expected an object, got \(value.typeName)")
        }
        guard let name = object["name"]?.stringValue else {
            throw Self.error(index: index, name: nil, "'name' is missing or not a string")
        }
        self.object = object
        self.index = index
        self.name = name
    }

    func error(_ problem: String) -> QMPError {
        Self.error(index: index, name: name, problem)
    }

    private static func error(index: Int, name: String?, _ problem: String) -> QMPError {
        let entity = name.map { "entity \(index) ('\($0)')" } ?? "entity \(index)"
        return QMPError(.decodingFailed, "query-qmp-schema \(entity): \(problem)", command: "query-qmp-schema")
    }

    private func member(_ key: String, in object: JSONObject?, _ path: String?) -> (value: JSONValue?, label: String) {
        ((object ?? self.object)[key], path.map { "\($0).\(key)" } ?? key)
    }

    func string(_ key: String, in object: JSONObject? = nil, _ path: String? = nil) throws(QMPError) -> String {
        let (value, label) = member(key, in: object, path)
        guard let value else { throw error("'\(label)' is missing") }
        guard let string = value.stringValue else { throw error("'\(label)' must be a string, not \(value.typeName)") }
        return string
    }

    func optionalString(_ key: String) throws(QMPError) -> String? {
        guard object[key] != nil else { return nil }
        return try string(key)
    }

    func bool(_ key: String) throws(QMPError) -> Bool? {
        guard let value = object[key] else { return nil }
        guard let bool = value.boolValue else { throw error("'\(key)' must be a boolean, not \(value.typeName)") }
        return bool
    }

    func strings(_ key: String, in object: JSONObject? = nil, _ path: String? = nil) throws(QMPError) -> [String]? {
        let (value, label) = member(key, in: object, path)
        guard let value else { return nil }
        guard let array = value.arrayValue else { throw error("'\(label)' must be an array, not \(value.typeName)") }
        var strings: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.stringValue else { throw error("'\(label)[\(index)]' must be a string, not \(element.typeName)") }
            strings.append(string)
        }
        return strings
    }

    func objects(_ key: String) throws(QMPError) -> [JSONObject] {
        guard let objects = try optionalObjects(key) else { throw error("'\(key)' is missing") }
        return objects
    }

    func optionalObjects(_ key: String) throws(QMPError) -> [JSONObject]? {
        guard let value = object[key] else { return nil }
        guard let array = value.arrayValue else { throw error("'\(key)' must be an array, not \(value.typeName)") }
        var objects: [JSONObject] = []
        for (index, element) in array.enumerated() {
            guard let object = element.objectValue else { throw error("'\(key)[\(index)]' must be an object, not \(element.typeName)") }
            objects.append(object)
        }
        return objects
    }
}
