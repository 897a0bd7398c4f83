/// Reads the definitions of a QAPI reference manual (`qemu-qmp-ref.7`, `qemu-ga-ref.7`).
///
/// Keeps facts only: names, member types, optionality, branches, enum values,
/// `since` versions, feature names and the type names a command returns.
struct ManualParser {
    private var definitions: [Definition] = []
    private var section = ""
    private var part = ""
    /// Which list the last `.B` item went to, so its text can add a `since`.
    private enum Item { case none, member(Int), value(Int) }
    private var item = Item.none
    /// Set by `.TP`: the next line heads an item, with `.B` or, when it carries an `If:`, without.
    private var itemHeadNext = false

    static func parse(_ text: String) -> [Definition] {
        var parser = ManualParser()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            parser.read(line)
        }
        // Of the capitalised words of a Returns part, only the names of definitions are facts.
        let names = Set(parser.definitions.map(\.name))
        for index in parser.definitions.indices {
            parser.definitions[index].returns.removeAll { !names.contains($0.trimmingBrackets()) }
        }
        return parser.definitions
    }

    private mutating func read(_ line: Substring) {
        let heads = itemHeadNext
        itemHeadNext = line == ".TP"
        if line.hasPrefix(".SH ") {
            section = Roff.plain(line.dropFirst(4)).trimmingQuotes()
            item = .none
            part = ""
        } else if line.hasPrefix(".SS ") {
            startPart(line.dropFirst(4))
        } else if line.hasPrefix(".B "), !definitions.isEmpty {
            startItem(line.dropFirst(3))
        } else if heads, !line.hasPrefix("."), !definitions.isEmpty {
            startItem(line)
        } else if !line.hasPrefix("."), !definitions.isEmpty {
            readText(line)
        }
    }

    private mutating func startPart(_ heading: Substring) {
        item = .none
        let kinds: [String: Definition.Kind] = [
            "(Object)": .object, "(Alternate)": .alternate, "(Enum)": .enumeration,
            "(Command)": .command, "(Event)": .event,
        ]
        let words = heading.split(separator: " ")
        if words.count == 2, let kind = kinds[String(words[1])], let name = Roff.boldSpans(heading).first {
            definitions.append(Definition(kind: kind, name: name, section: section))
            part = ""
        } else {
            part = Roff.plain(heading)
        }
    }

    private mutating func startItem(_ text: Substring) {
        let index = definitions.count - 1
        let bold = Roff.boldSpans(text)
        let plain = Roff.plain(text)
        switch part {
        case "Members", "Arguments":
            if plain.hasPrefix("The members of "), let type = bold.first {
                if bold.count >= 3, plain.contains(" when ") {
                    let value = bold[2].trimmingQuotes()
                    definitions[index].branches.append(Definition.Branch(tag: bold[1], value: value, type: type))
                } else {
                    definitions[index].bases.append(type)
                }
                item = .none
            } else if bold.count >= 2 {
                var type = bold[1]
                if type.hasPrefix("array of ") { type = "[" + type.dropFirst(9) + "]" }
                let member = Definition.Member(
                    name: bold[0], type: type, optional: plain.contains("(optional)"), since: Self.since(in: plain))
                definitions[index].members.append(member)
                item = .member(definitions[index].members.count - 1)
            }
        case "Values":
            guard let name = bold.first else { return }
            definitions[index].values.append(Definition.Value(name: name, since: Self.since(in: plain)))
            item = .value(definitions[index].values.count - 1)
        case "Features":
            if let name = bold.first { definitions[index].features.append(name) }
            item = .none
        default:
            item = .none
        }
    }

    private mutating func readText(_ line: Substring) {
        let index = definitions.count - 1
        switch part {
        case "Since":
            if definitions[index].since == nil {
                definitions[index].since = Roff.plain(line).split(separator: " ").lazy.map(String.init).first(where: Self.isVersion)
            }
        case "Returns":
            // Type names are bold in some entries, plain words in others.
            // "list of X" says the result is an array: recorded as `[X]`.
            let words = Roff.plain(line).split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "-" }).map(String.init)
            for (position, word) in words.enumerated() where word.first?.isUppercase == true {
                let listed = position >= 2 && words[position - 2].lowercased() == "list" && words[position - 1] == "of"
                let type = listed ? "[\(word)]" : word
                if !definitions[index].returns.contains(type) { definitions[index].returns.append(type) }
            }
        default:
            guard let since = Self.since(in: Roff.plain(line)) else { return }
            switch item {
            case .member(let member) where definitions[index].members[member].since == nil:
                definitions[index].members[member].since = since
            case .value(let value) where definitions[index].values[value].since == nil:
                definitions[index].values[value].since = since
            default: break
            }
        }
    }

    /// The version in "(since 2.10)" or "(Since: 2.10)".
    static func since(in text: String) -> String? {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "(") {
            rest = rest[rest.index(after: open)...]
            let lowered = rest.prefix(6).lowercased()
            guard lowered == "since " || lowered == "since:" else { continue }
            let version = rest.dropFirst(6).drop(while: { $0 == " " }).prefix(while: { $0.isNumber || $0 == "." })
            let trimmed = String(version.hasSuffix(".") ? version.dropLast() : version)
            if isVersion(trimmed) { return trimmed }
        }
        return nil
    }

    static func isVersion(_ word: String) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        return (2...3).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}

extension String {
    /// `X` for `[X]`.
    func trimmingBrackets() -> String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }

    /// Without surrounding double quotes or spaces.
    func trimmingQuotes() -> String {
        var text = Substring(self)
        while let first = text.first, first == "\"" || first == " " { text = text.dropFirst() }
        while let last = text.last, last == "\"" || last == " " { text = text.dropLast() }
        return String(text)
    }
}
