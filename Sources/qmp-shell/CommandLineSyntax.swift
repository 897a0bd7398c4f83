import QMP

/// Turns a shell line into a QMP message, as Python's qmp-shell does.
enum CommandLineSyntax {
    struct SyntaxError: Error {
        let message: String
    }

    /// A command line: `command key=value ...` or a raw JSON object.
    static func parse(_ line: String) throws(SyntaxError) -> Message {
        let trimmed = line.trimmingCharacters(in: " ")
        if trimmed.hasPrefix("{") {
            do {
                guard case .object(let object) = try JSONValue(parsing: trimmed) else {
                    throw SyntaxError(message: "raw JSON must be an object")
                }
                return Message(object)
            } catch let error as JSONParseError {
                throw SyntaxError(message: "invalid JSON: \(error)")
            } catch {
                throw SyntaxError(message: "\(error)")
            }
        }
        let words = try split(trimmed)
        guard let command = words.first else { throw SyntaxError(message: "empty command") }
        guard !command.contains("=") else { throw SyntaxError(message: "a line starts with the command name, not '\(command)'") }
        var arguments = JSONObject()
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw SyntaxError(message: "expected key=value, got '\(word)'")
            }
            let path = word[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.contains(where: \.isEmpty) else { throw SyntaxError(message: "empty key in '\(word)'") }
            try set(value(String(word[word.index(after: equals)...])), at: path[...], in: &arguments, word: word)
        }
        var object: JSONObject = ["execute": .string(command)]
        if !arguments.isEmpty { object["arguments"] = .object(arguments) }
        return Message(object)
    }

    /// JSON when it parses as JSON, a string otherwise (`name=vm1`, `path=/tmp/x`).
    private static func value(_ text: String) -> JSONValue {
        (try? JSONValue(parsing: text)) ?? .string(text)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in object: inout JSONObject, word: String) throws(SyntaxError) {
        guard let key = path.first else { return }
        if path.count == 1 {
            guard object[key] == nil else { throw SyntaxError(message: "'\(key)' is given twice") }
            object[key] = value
            return
        }
        var nested: JSONObject
        switch object[key] {
        case nil: nested = JSONObject()
        case .object(let existing)?: nested = existing
        case .some: throw SyntaxError(message: "'\(key)' is both a value and an object in '\(word)'")
        }
        try set(value, at: path.dropFirst(), in: &nested, word: word)
        object[key] = .object(nested)
    }

    /// Splits on spaces, keeping quoted strings and bracketed JSON together (`a={"b": 1}`).
    private static func split(_ line: String) throws(SyntaxError) -> [String] {
        var words: [String] = []
        var current = ""
        var depth = 0
        var inString = false
        var escaped = false
        for character in line {
            if inString {
                current.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true; current.append(character)
            case "{", "[": depth += 1; current.append(character)
            case "}", "]": depth -= 1; current.append(character)
            case " " where depth == 0, "\t" where depth == 0:
                if !current.isEmpty { words.append(current); current = "" }
            default: current.append(character)
            }
        }
        guard !inString else { throw SyntaxError(message: "unterminated string") }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
