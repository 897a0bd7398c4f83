/// What Tab completes, from what the connected QEMU said about itself.
///
/// - the first word: command names (and the shell's own, such as `qom-tree`);
/// - a word after a command name: its argument names, with dotted keys into nested
///   objects (`file.filename=`);
/// - after `key=`: the values the schema lists for that argument (an enum, a boolean);
/// - HMP: the second word of commands that have subcommands (`info status`).
struct Completer: Sendable {
    var commands: [String]
    var schema: CommandSchema
    /// HMP commands whose second word is one of a list.
    var subcommands: [String: [String]] = [:]

    func complete(_ text: String) -> Completion {
        let wordStart = text.lastIndex(where: { $0 == " " || $0 == "\t" }).map { text.index(after: $0) } ?? text.startIndex
        let word = String(text[wordStart...])
        let offset = text.distance(from: text.startIndex, to: wordStart)
        let before = text[..<wordStart].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let command = before.first.map(String.init) else {
            return Completion(wordStart: offset, candidates: Self.matching(commands, word).map { $0 + " " })
        }
        if before.count == 1, let names = subcommands[command] {
            return Completion(wordStart: offset, candidates: Self.matching(names, word).map { $0 + " " })
        }
        // The arguments already typed, by dotted key: a union's tag among them narrows what follows.
        let given = Dictionary(before.dropFirst().compactMap { word -> (String, String)? in
            guard let equals = word.firstIndex(of: "=") else { return nil }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }) { _, last in last }
        if let equals = word.firstIndex(of: "=") {
            let key = String(word[..<equals])
            let path = key.split(separator: ".").map(String.init)
            let typed = String(word[word.index(after: equals)...])
            let values = Self.matching(schema.values(of: command, at: path, given: given), typed)
            return Completion(wordStart: offset, candidates: values.map { "\(key)=\($0) " })
        }
        var path = word.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let last = path.removeLast()
        guard let members = schema.members(of: command, at: path, given: given) else { return Completion(wordStart: offset, candidates: []) }
        let prefix = path.map { $0 + "." }.joined()
        let names = Self.matching(members.keys.filter { !given.keys.contains(prefix + $0) }, last)
        return Completion(wordStart: offset, candidates: names.map { name in
            prefix + name + (members[name].map(schema.isObject) == true ? "." : "=")
        })
    }

    private static func matching(_ names: some Sequence<String>, _ prefix: String) -> [String] {
        Set(names.filter { $0.hasPrefix(prefix) }).sorted()
    }
}
