import QMP

/// Turns shell lines into QMP messages, in the syntax of QEMU's Python qmp-shell:
///
/// - `command key=value ...`, with dotted keys nesting (`a.b=1` is `{"a": {"b": 1}}`);
/// - a raw JSON object, sent as it is;
/// - `transaction(` ... `)`, one action per line (or all on one line), sent as one
///   `transaction` command.
///
/// It keeps state only for an open transaction, so one value parses a whole session.
struct CommandLineSyntax {
    struct SyntaxError: Error, Equatable {
        let message: String
    }

    /// The actions of an open `transaction(`; `nil` outside one.
    private var actions: [JSONValue]?

    var inTransaction: Bool { actions != nil }

    /// Python's qmp-shell prompts; `TRANS> ` shows that lines are collected, not sent.
    var prompt: String { inTransaction ? "TRANS> " : "(QEMU) " }

    /// The message to send for `line`, or `nil` when there is nothing to send yet
    /// (a blank line, a comment, or an action added to an open transaction).
    mutating func parse(_ line: String) throws(SyntaxError) -> Message? {
        let trimmed = line.trimmingBlanks()
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        if trimmed.hasPrefix("{") && !inTransaction { return try Self.rawJSON(trimmed) }
        var words = try Words.split(trimmed)[...]
        if words.first == "transaction(" {
            actions = []
            words = words.dropFirst()
        }
        if words.first == ")", inTransaction {
            guard words.count == 1 else {
                actions = nil
                throw SyntaxError(message: "unexpected input after the ')' that closes a transaction; it was not sent")
            }
            return finishTransaction()
        }
        guard let name = words.first else { return nil }
        try Self.checkCommandName(name)
        guard inTransaction else {
            var message: JSONObject = ["execute": .string(name)]
            let arguments = try Self.arguments(words.dropFirst())
            if !arguments.isEmpty { message["arguments"] = .object(arguments) }
            return Message(message)
        }
        let closes = words.count > 1 && words.last == ")"
        let data = try Self.arguments(words.dropFirst().dropLast(closes ? 1 : 0))
        actions?.append(["type": .string(name), "data": .object(data)])
        return closes ? finishTransaction() : nil
    }

    /// What is left unsent when input ends: an error if a transaction is still open.
    func checkComplete() throws(SyntaxError) {
        guard let actions else { return }
        throw SyntaxError(message: "input ended inside 'transaction(' (\(actions.count) action(s) not sent); close it with ')'")
    }

    /// Drops an open transaction unsent; returns how many actions it had, `nil` outside one.
    mutating func abandonTransaction() -> Int? {
        defer { actions = nil }
        return actions?.count
    }

    private mutating func finishTransaction() -> Message {
        let collected = actions ?? []
        actions = nil
        return Message(["execute": "transaction", "arguments": ["actions": .array(collected)]])
    }

    private static func rawJSON(_ text: String) throws(SyntaxError) -> Message {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw SyntaxError(message: "invalid JSON: \(error)")
        }
        guard case .object(let object) = value else { throw SyntaxError(message: "raw JSON must be an object") }
        return Message(object)
    }

    /// QMP names are letters, digits, `-`, `_` and `.` (`__com.redhat_x`); anything else
    /// is a typo that deserves a syntax error rather than QEMU's CommandNotFound.
    private static func checkCommandName(_ word: String) throws(SyntaxError) {
        if word.contains("=") { throw SyntaxError(message: "a line starts with the command name, not '\(word)'") }
        let valid = word.first.map { $0.isLetter || $0 == "_" } == true
            && word.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.".contains($0) }
        guard valid else { throw SyntaxError(message: "'\(word)' is not a command name") }
    }

    /// `key=value` words as an object; dotted keys build nested objects.
    private static func arguments(_ words: ArraySlice<String>) throws(SyntaxError) -> JSONObject {
        var arguments = JSONObject()
        for word in words {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw SyntaxError(message: "expected key=value, got '\(word)'")
            }
            let key = word[..<equals]
            let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.contains(where: \.isEmpty) else { throw SyntaxError(message: "empty key in '\(word)'") }
            // The message and its arguments are two levels already; QEMU's parser, like ours,
            // takes no deeper JSON, and `set` recurses once per level.
            guard path.count <= Self.maxKeyDepth else {
                throw SyntaxError(message: "a key nests \(path.count) levels; JSON nests at most \(Self.maxKeyDepth) below the arguments")
            }
            let value = Values.parse(String(word[word.index(after: equals)...]))
            try set(value, at: path[...], in: &arguments, key: String(key))
        }
        return arguments
    }

    private static let maxKeyDepth = JSONParser.defaultMaxDepth - 2

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in object: inout JSONObject, key: String) throws(SyntaxError) {
        guard let first = path.first else { return }
        if path.count == 1 {
            switch object[first] {
            case nil: object[first] = value
            case .object?: throw SyntaxError(message: "'\(key)' is used both as a value and as an object")
            case .some: throw SyntaxError(message: "'\(key)' is given twice")
            }
            return
        }
        var nested: JSONObject
        switch object[first] {
        case nil: nested = JSONObject()
        case .object(let existing)?: nested = existing
        case .some: throw SyntaxError(message: "'\(key)' is used both as a value and as an object")
        }
        try set(value, at: path.dropFirst(), in: &nested, key: key)
        object[first] = .object(nested)
    }
}
