/// Facts that QEMU published after the manual a binding is generated from (its
/// deprecation notes, its later references), amending the model built from that manual.
///
/// ```
/// deprecated StatusInfo singlestep 8.1
/// returns guest-get-devices [GuestDeviceInfo]
/// ```
///
/// A member a later release deprecates becomes optional, as one QEMU has since removed
/// sends none; a command's result that the manual names wrongly is corrected.
enum LaterFacts {
    enum Fact: Equatable {
        /// `type`'s `member`, deprecated by QEMU `release`.
        case deprecated(type: String, member: String, release: String)
        /// `command` returns `type` (written as the manual writes types: `[GuestDeviceInfo]`).
        case returns(command: String, type: String)
    }

    struct AmendError: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ text: String) throws(FactsFile.FormatError) -> [Fact] {
        var facts: [Fact] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ").map(String.init)
            switch (words.first, words.count) {
            case ("deprecated"?, 4): facts.append(.deprecated(type: words[1], member: words[2], release: words[3]))
            case ("returns"?, 3): facts.append(.returns(command: words[1], type: words[2]))
            default: throw FactsFile.FormatError(line: index + 1, text: String(line))
            }
        }
        return facts
    }
}

extension Model {
    /// Applies `facts`; one that names no definition of the model is an error, not ignored,
    /// so that a typo or a regenerated binding that lost the definition is noticed.
    mutating func amend(with facts: [LaterFacts.Fact]) throws(LaterFacts.AmendError) {
        for fact in facts {
            switch fact {
            case .deprecated(let type, let member, let release):
                guard let index = types.firstIndex(where: { $0.origin.qapiName == type }),
                      case .object(var fields, let union) = types[index].shape,
                      let field = fields.firstIndex(where: { $0.wire == member }) else {
                    throw LaterFacts.AmendError(description: "no object \(type) with a member \(member)")
                }
                if !fields[field].deprecated { fields[field].deprecatedIn = release }
                fields[field].deprecated = true
                fields[field].optional = true
                types[index].shape = .object(fields: fields, union: union)
            case .returns(let command, let type):
                guard let index = commands.firstIndex(where: { $0.origin.qapiName == command }),
                      let result = documentedRef(type) else {
                    throw LaterFacts.AmendError(description: "no command \(command) or no type \(type)")
                }
                commands[index].result = result
            }
        }
    }

    /// A type as the manual writes it, among this model's.
    private func documentedRef(_ type: String) -> TypeRef? {
        if let builtin = TypeRef(manualBuiltin: type) { return builtin }
        if type.hasPrefix("[") { return documentedRef(type.trimmingBrackets()).map(TypeRef.array) }
        return types.first { $0.origin.qapiName == type }.map { .named($0.swiftName) }
    }
}
