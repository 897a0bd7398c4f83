/// Gives the schema's masked type names (`"262"`) their names in the reference manual (`RunState`).
///
/// Commands and events keep their names in the schema, so the walk starts there:
/// a command's documented arguments name its argument type's member types, a
/// member's documented type names the schema type it refers to, a union's
/// "members of X when tag is v" names the branch type, and so on, until every
/// type reached is named. Types still unnamed are matched by their members'
/// names (objects) or values (enums) when exactly one documented type fits.
struct TypeNaming {
    /// Masked schema name → manual name.
    private(set) var names: [String: String] = [:]
    /// Masked names of argument and event-data types that belong to one command or event.
    private(set) var implicitOwners: [String: String] = [:]
    private(set) var conflicts: [String] = []

    private let schema: Schema
    private let definitions: [String: Definition]
    private var queue: [(String, Definition)] = []

    static let builtins: Set<String> = ["str", "int", "bool", "number", "any", "null"]

    init(schema: Schema, definitions: [Definition]) {
        self.schema = schema
        self.definitions = Dictionary(definitions.map { ($0.name, $0) }) { first, _ in first }
        for entity in schema.entities where entity.metaType == "command" || entity.metaType == "event" {
            guard let documented = self.definitions[entity.name] else { continue }
            if let argType = entity.argType { seedArguments(argType, of: documented, owner: entity.name) }
            if let retType = entity.retType { seedResult(retType, of: documented) }
        }
        drain()
        matchRemainingByStructure()
    }

    /// The manual definition of a masked schema name, when one was found.
    func definition(of schemaName: String) -> Definition? {
        names[schemaName].flatMap { definitions[$0] }
    }

    func definition(named name: String) -> Definition? { definitions[name] }

    private mutating func seedArguments(_ type: String, of documented: Definition, owner: String) {
        guard type != "0", schema.byName[type] != nil else { return }
        if documented.members.isEmpty, documented.bases.count == 1, documented.branches.isEmpty {
            assign(type, documented.bases[0])
        } else if implicitOwners[type] == nil {
            implicitOwners[type] = owner
            queue.append((type, documented))
        }
    }

    private mutating func seedResult(_ type: String, of documented: Definition) {
        var element = type
        while element.hasPrefix("[") { element = String(element.dropFirst().dropLast()) }
        guard element != "0", !Self.builtins.contains(element), let entity = schema.byName[element] else { return }
        let candidates = documented.returns.compactMap { definitions[$0.trimmingBrackets()] }
        if let match = candidates.first(where: { fits(entity, $0) }) {
            assign(element, match.name)
        }
    }

    private mutating func assign(_ schemaName: String, _ manualType: String) {
        if schemaName.hasPrefix("[") {
            guard manualType.hasPrefix("[") else { return }
            assign(String(schemaName.dropFirst().dropLast()), String(manualType.dropFirst().dropLast()))
            return
        }
        guard !Self.builtins.contains(schemaName), let documented = definitions[manualType] else { return }
        if let existing = names[schemaName] {
            if existing != manualType { conflicts.append("\(schemaName): \(existing) or \(manualType)") }
            return
        }
        names[schemaName] = manualType
        queue.append((schemaName, documented))
    }

    private mutating func drain() {
        while let (schemaName, documented) = queue.popLast() {
            guard let entity = schema.byName[schemaName] else { continue }
            switch entity.metaType {
            case "object":
                let documentedMembers = allMembers(of: documented)
                for member in entity.members {
                    if let type = documentedMembers[member.name] { assign(member.type, type) }
                }
                let branches = allBranches(of: documented)
                for variant in entity.variants {
                    if let branch = branches.first(where: { $0.value == variant.value }) { assign(variant.type, branch.type) }
                }
            case "alternate":
                for (member, alternative) in zip(entity.members, documentedAlternatives(of: entity, in: documented)) {
                    if let alternative { assign(member.type, alternative.type) }
                }
            default: break
            }
        }
    }

    /// An alternate's documented alternatives in the schema's order. The manual may list them
    /// in another (`StatsValue`: int, array, boolean; the schema: int, bool, array), so they
    /// are paired by JSON kind, which no two alternatives of one alternate share; by position
    /// when the kinds do not pair them all.
    func documentedAlternatives(of entity: Schema.Entity, in documented: Definition) -> [Definition.Member?] {
        var unpaired = documented.members
        let byKind = entity.members.map { member -> Definition.Member? in
            guard let kind = jsonKind(schemaType: member.type),
                  let index = unpaired.firstIndex(where: { jsonKind(manualType: $0.type) == kind }) else { return nil }
            return unpaired.remove(at: index)
        }
        if !byKind.contains(where: { $0 == nil }) { return byKind }
        return entity.members.indices.map { $0 < documented.members.count ? documented.members[$0] : nil }
    }

    /// The JSON kind of a value of a schema type (`"262"`, `[int]`, `bool`).
    private func jsonKind(schemaType type: String) -> String? {
        if type.hasPrefix("[") { return "array" }
        switch type {
        case "str": return "string"
        case "int", "number": return "number"
        case "bool": return "boolean"
        case "null": return "null"
        default:
            switch schema.byName[type]?.metaType {
            case "object"?: return "object"
            case "enum"?: return "string"
            case "array"?: return "array"
            default: return nil
            }
        }
    }

    /// The JSON kind of a value of a type as the manual writes it (`RunState`, `[int]`, `boolean`).
    private func jsonKind(manualType type: String) -> String? {
        if type.hasPrefix("[") { return "array" }
        switch type {
        case "string": return "string"
        case "int", "number": return "number"
        case "boolean": return "boolean"
        case "null": return "null"
        default:
            switch definitions[type]?.kind {
            case .object?: return "object"
            case .enumeration?: return "string"
            default: return nil
            }
        }
    }

    /// Member name → documented type, bases included.
    private func allMembers(of documented: Definition, depth: Int = 0) -> [String: String] {
        var members: [String: String] = [:]
        guard depth < 16 else { return members }
        for base in documented.bases {
            if let definition = definitions[base] { members.merge(allMembers(of: definition, depth: depth + 1)) { mine, _ in mine } }
        }
        for member in documented.members { members[member.name] = member.type }
        return members
    }

    private func allBranches(of documented: Definition, depth: Int = 0) -> [Definition.Branch] {
        guard depth < 16 else { return [] }
        return documented.branches + documented.bases.flatMap { definitions[$0].map { allBranches(of: $0, depth: depth + 1) } ?? [] }
    }

    /// Whether a schema type has the documented type's shape: the same member names, or the same values.
    private func fits(_ entity: Schema.Entity, _ documented: Definition) -> Bool {
        switch (entity.metaType, documented.kind) {
        case ("object", .object):
            return Set(entity.members.map(\.name)) == Set(allMembers(of: documented).keys)
        case ("enum", .enumeration):
            return Set(entity.values) == Set(documented.values.map(\.name))
        case ("alternate", .alternate):
            return entity.members.count == documented.members.count
        default:
            return false
        }
    }

    private mutating func matchRemainingByStructure() {
        var progress = true
        while progress {
            progress = false
            let taken = Set(names.values)
            let unused = definitions.values.filter { !taken.contains($0.name) && [.object, .enumeration, .alternate].contains($0.kind) }
            for entity in schema.entities where ["object", "enum", "alternate"].contains(entity.metaType) {
                guard entity.name != "0", names[entity.name] == nil, implicitOwners[entity.name] == nil else { continue }
                let fitting = unused.filter { fits(entity, $0) }
                if fitting.count == 1, !names.values.contains(fitting[0].name) {
                    assign(entity.name, fitting[0].name)
                    progress = true
                }
            }
            drain()
        }
    }
}
