/// The facts file: one definition per paragraph, one fact per line.
///
/// ```
/// object StatusInfo
/// section VM RUN STATE
/// since 0.14
/// member status RunState
/// member guest boolean optional since 2.10
/// ```
///
/// Line-based so that a new QEMU's facts diff readably against the old ones.
enum FactsFile {
    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var text: String
        var description: String { "facts line \(line): cannot read '\(text)'" }
    }

    static let header = "# qmp-codegen facts 1: names, structure, versions and features from a QAPI reference manual"

    static func write(_ definitions: [Definition], source: String) -> String {
        var out = header + "\n# source: \(source)\n"
        for definition in definitions {
            out += "\n\(definition.kind.rawValue) \(definition.name)\n"
            out += "section \(definition.section)\n"
            if let since = definition.since { out += "since \(since)\n" }
            for feature in definition.features { out += "feature \(feature)\n" }
            for base in definition.bases { out += "base \(base)\n" }
            for member in definition.members {
                out += "member \(member.name) \(member.type)"
                if member.optional { out += " optional" }
                if let since = member.since { out += " since \(since)" }
                out += "\n"
            }
            for branch in definition.branches { out += "branch \(branch.tag) \(branch.value) \(branch.type)\n" }
            for value in definition.values {
                out += "value \(value.name)"
                if let since = value.since { out += " since \(since)" }
                out += "\n"
            }
            for type in definition.returns { out += "returns \(type)\n" }
        }
        return out
    }

    static func read(_ text: String) throws(FormatError) -> [Definition] {
        var definitions: [Definition] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = line.split(separator: " ").map(String.init)
            let failure = FormatError(line: index + 1, text: String(line))
            if let kind = Definition.Kind(rawValue: words[0]) {
                guard words.count == 2 else { throw failure }
                definitions.append(Definition(kind: kind, name: words[1], section: ""))
                continue
            }
            guard !definitions.isEmpty, words.count >= 2 else { throw failure }
            let rest = Array(words.dropFirst())
            switch words[0] {
            case "section": definitions[definitions.count - 1].section = rest.joined(separator: " ")
            case "since": definitions[definitions.count - 1].since = rest[0]
            case "feature": definitions[definitions.count - 1].features.append(rest[0])
            case "base": definitions[definitions.count - 1].bases.append(rest[0])
            case "returns": definitions[definitions.count - 1].returns.append(rest[0])
            case "member":
                guard rest.count >= 2 else { throw failure }
                definitions[definitions.count - 1].members.append(Definition.Member(
                    name: rest[0], type: rest[1], optional: rest.contains("optional"), since: since(in: rest)))
            case "branch":
                guard rest.count == 3 else { throw failure }
                definitions[definitions.count - 1].branches.append(Definition.Branch(tag: rest[0], value: rest[1], type: rest[2]))
            case "value":
                definitions[definitions.count - 1].values.append(Definition.Value(name: rest[0], since: since(in: rest)))
            default: throw failure
            }
        }
        return definitions
    }

    private static func since(in words: [String]) -> String? {
        guard let index = words.firstIndex(of: "since"), index + 1 < words.count else { return nil }
        return words[index + 1]
    }
}
