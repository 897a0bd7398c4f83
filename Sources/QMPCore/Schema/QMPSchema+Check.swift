extension QMPSchema {
    /// Checks a command and its arguments the way QEMU checks them when they arrive.
    ///
    /// The checks, in QEMU's order: the command exists (and allows `exec-oob`, if sent
    /// so); then each member of its argument type in the schema's order, recursively
    /// (a required member is present;
    /// a value has the right JSON kind; a string is a value of its enumeration; a
    /// union's tag selects the members of its variant; an alternate's value fits the
    /// member of its kind), and after an object's members, that it has no others.
    /// The first problem is reported, as QEMU reports only the first. Of a command in
    /// ``freeFormCommands``, only the required members are checked.
    ///
    /// Integer widths are unknown, since the schema reports every one as `int` (and
    /// QEMU 7.2's manual does too): ranges are not checked, any integer up to
    /// `UInt64.max` passes, and a mistyped member gets QEMU's text for a signed one,
    /// where QEMU says `Parameter 'x' expects uint64` for an unsigned one. Where
    /// an object has more than one unexpected member, QEMU names one in its hash order;
    /// the check names the first in `arguments`.
    ///
    /// - Parameters:
    ///   - name: The command.
    ///   - arguments: Its `arguments` member (empty when it has none).
    ///   - oob: Whether it is sent as `exec-oob`, which only a command that allows it may be.
    public func check(command name: String, arguments: JSONObject, oob: Bool = false) -> SchemaCheck {
        var checker = SchemaChecker(schema: self, command: name)
        guard let command = commands[name] else {
            let violation = SchemaViolation(
                command: name, kind: .unknownCommand, path: "",
                errorClass: "CommandNotFound", errorDescription: "The command \(name) has not been found"
            )
            return SchemaCheck(violation: violation, deprecations: [])
        }
        if oob && !command.allowsOOB {
            let violation = SchemaViolation(
                command: name, kind: .outOfBandNotAllowed, path: "",
                errorClass: "GenericError", errorDescription: "The command \(name) does not support OOB"
            )
            return SchemaCheck(violation: violation, deprecations: [])
        }
        if command.isDeprecated { checker.deprecations.append(SchemaDeprecation(command: name)) }
        let violation = freeFormCommands.contains(name)
            ? checker.checkRequiredMembers(arguments, type: command.argumentType)
            : checker.checkObject(arguments, type: command.argumentType, path: "")
        return SchemaCheck(violation: violation, deprecations: checker.deprecations)
    }
}

/// One walk over a command's arguments, collecting deprecations until the first violation.
private struct SchemaChecker {
    let schema: QMPSchema
    let command: String
    var deprecations: [SchemaDeprecation] = []

    init(schema: QMPSchema, command: String) {
        self.schema = schema
        self.command = command
    }

    private func violation(_ kind: SchemaViolation.Kind, at path: String, _ description: String) -> SchemaViolation {
        SchemaViolation(command: command, kind: kind, path: path, errorClass: "GenericError", errorDescription: description)
    }

    private func wrongType(at path: String, named name: String, expected: String) -> SchemaViolation {
        violation(.wrongType(expected: expected), at: path, "Invalid parameter type for '\(name)', expected: \(expected)")
    }

    /// Checks the members of an object of (object) type `typeName`; `path` is the object's own.
    mutating func checkObject(_ object: JSONObject, type typeName: String, path: String) -> SchemaViolation? {
        var visited: Set<String> = []
        if let violation = checkMembers(of: typeName, in: object, path: path, visited: &visited) { return violation }
        for key in object.keys where !visited.contains(key) {
            let memberPath = Self.join(path, key)
            return violation(.unexpectedMember, at: memberPath, "Parameter '\(memberPath)' is unexpected")
        }
        return nil
    }

    /// Checks only that the required members are present, as QEMU checks a free-form command.
    func checkRequiredMembers(_ object: JSONObject, type typeName: String) -> SchemaViolation? {
        for member in schema.objectType(named: typeName)?.members ?? [] where !member.isOptional && object[member.name] == nil {
            return violation(.missingMember, at: member.name, "Parameter '\(member.name)' is missing")
        }
        return nil
    }

    /// Checks the common members, then those of the variant the tag selects, and so on
    /// down the chain of variants: in a loop, as a peer's schema may chain any number,
    /// and at most once per type of the schema, as one written in code may loop.
    private mutating func checkMembers(
        of typeName: String, in object: JSONObject, path: String, visited: inout Set<String>
    ) -> SchemaViolation? {
        var typeName = typeName
        for _ in 0..<schema.types.count {
            guard let type = schema.objectType(named: typeName) else { return nil }
            for member in type.members {
                visited.insert(member.name)
                let memberPath = Self.join(path, member.name)
                guard let value = object[member.name] else {
                    if member.isOptional { continue }
                    return violation(.missingMember, at: memberPath, "Parameter '\(memberPath)' is missing")
                }
                if member.isDeprecated { deprecations.append(SchemaDeprecation(command: command, path: memberPath)) }
                if let violation = checkValue(value, type: member.type, name: member.name, path: memberPath) { return violation }
            }
            guard let tag = type.tag, let tagValue = object[tag]?.stringValue,
                  let variant = type.variants.first(where: { $0.tagValue == tagValue })
            else { return nil }
            typeName = variant.type
        }
        return nil
    }

    /// Checks one value. QEMU names the member by its full path, except in its enum and
    /// alternate errors, which name it by its key alone (`null` for an array element).
    private mutating func checkValue(_ value: JSONValue, type typeName: String, name: String?, path: String) -> SchemaViolation? {
        switch schema.types[typeName] {
        case nil:
            return nil
        case .builtin(let builtin)?:
            return Self.fits(value, builtin.jsonType) ? nil : wrongType(at: path, named: path, expected: Self.word(for: builtin.jsonType))
        case .enumeration(let enumeration)?:
            guard let string = value.stringValue else { return wrongType(at: path, named: path, expected: "string") }
            guard let member = enumeration.members.first(where: { $0.name == string }) else {
                return violation(.invalidValue(string), at: path, "Parameter '\(name ?? "null")' does not accept value '\(string)'")
            }
            if member.isDeprecated { deprecations.append(SchemaDeprecation(command: command, path: path, value: string)) }
            return nil
        case .array(let array)?:
            guard let elements = value.arrayValue else { return wrongType(at: path, named: path, expected: "array") }
            for (index, element) in elements.enumerated() {
                if let violation = checkValue(element, type: array.elementType, name: nil, path: "\(path)[\(index)]") { return violation }
            }
            return nil
        case .object?:
            guard let object = value.objectValue else { return wrongType(at: path, named: path, expected: "object") }
            return checkObject(object, type: typeName, path: path)
        case .alternate(let alternate)?:
            guard let member = alternate.members.first(where: { accepts($0, kindOf: value) }) else {
                return wrongType(at: path, named: name ?? "null", expected: schema.typeNames[typeName] ?? typeName)
            }
            return checkValue(value, type: member, name: name, path: path)
        }
    }

    /// Whether an alternate's member `typeName` is the one for the JSON kind of `value`,
    /// as QEMU picks it: by kind alone, before looking inside.
    private func accepts(_ typeName: String, kindOf value: JSONValue) -> Bool {
        switch (schema.types[typeName], value) {
        case (.builtin(let builtin)?, _):
            switch (builtin.jsonType, value) {
            case (.int, .int), (.int, .uint), (.int, .double), (.number, .int), (.number, .uint), (.number, .double): return true
            default: return Self.fits(value, builtin.jsonType)
            }
        case (.enumeration?, .string), (.object?, .object), (.array?, .array): return true
        default: return false
        }
    }

    private static func fits(_ value: JSONValue, _ kind: SchemaBuiltinType.JSONKind) -> Bool {
        switch (kind, value) {
        case (.value, _), (.string, .string), (.boolean, .bool), (.null, .null),
             (.int, .int), (.int, .uint), (.number, .int), (.number, .uint), (.number, .double),
             (.object, .object), (.array, .array):
            true
        default:
            false
        }
    }

    /// QEMU's word for a JSON kind in its type errors.
    private static func word(for kind: SchemaBuiltinType.JSONKind) -> String {
        switch kind {
        case .int: "integer"
        case .value: "value"
        default: kind.rawValue
        }
    }

    private static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
