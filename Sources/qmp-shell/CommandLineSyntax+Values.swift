import QMP

extension CommandLineSyntax {
    /// What the text after `key=` means.
    enum Values {
        /// JSON when it parses as JSON (`1`, `-2.5`, `true`, `null`, `"text"`, `[1,2]`,
        /// `{"a":1}`); Python's literal forms as Python's qmp-shell accepts them (`True`,
        /// `'text'`, `{'a': None}`); otherwise the text itself as a string (`vm1`, `/tmp/x`).
        static func parse(_ text: String) -> JSONValue {
            if let value = try? JSONValue(parsing: text) { return value }
            if let integer = pythonInteger(text) { return integer }
            switch text.lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
            if let first = text.first, "{['".contains(first),
               let value = try? JSONValue(parsing: pythonLiteralAsJSON(text)) {
                return value
            }
            return .string(text)
        }

        /// The integers Python's `int()` reads and JSON does not: `+1`, `007`, `1_000`.
        static func pythonInteger(_ text: String) -> JSONValue? {
            var body = Substring(text)
            let negative = body.first == "-"
            if body.first == "+" || body.first == "-" { body = body.dropFirst() }
            func isDigit(_ character: Character?) -> Bool { character.map { $0.isASCII && $0.isNumber } ?? false }
            guard isDigit(body.first), isDigit(body.last), !body.contains("__"),
                  body.allSatisfy({ isDigit($0) || $0 == "_" }) else { return nil }
            let digits = body.filter { $0 != "_" }.drop { $0 == "0" }
            return try? JSONValue(parsing: (negative ? "-" : "") + (digits.isEmpty ? "0" : String(digits)))
        }

        /// Rewrites Python literal syntax into JSON: single-quoted strings become
        /// double-quoted, `True`/`False`/`None` become `true`/`false`/`null`. Anything
        /// else is copied, so text that is neither still fails to parse afterwards.
        static func pythonLiteralAsJSON(_ text: String) -> String {
            var output = ""
            var index = text.startIndex
            while index < text.endIndex {
                let character = text[index]
                switch character {
                case "\"":
                    let end = closingQuote(in: text, from: index)
                    output += text[index..<end]
                    index = end
                case "'":
                    let end = closingQuote(in: text, from: index)
                    output += singleQuotedAsJSON(text[text.index(after: index)..<end])
                    index = end
                case _ where character.isLetter:
                    var wordEnd = index
                    while wordEnd < text.endIndex, text[wordEnd].isLetter || text[wordEnd].isNumber || text[wordEnd] == "_" {
                        wordEnd = text.index(after: wordEnd)
                    }
                    let word = text[index..<wordEnd]
                    output += ["True": "true", "False": "false", "None": "null"][String(word)] ?? String(word)
                    index = wordEnd
                default:
                    output.append(character)
                    index = text.index(after: index)
                }
            }
            return output
        }

        /// The index just past the quote that closes the string opening at `start`
        /// (the end of the text when it is unterminated).
        private static func closingQuote(in text: String, from start: String.Index) -> String.Index {
            let quote = text[start]
            var index = text.index(after: start)
            var escaped = false
            while index < text.endIndex {
                let character = text[index]
                index = text.index(after: index)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == quote {
                    return index
                }
            }
            return text.endIndex
        }

        /// `'it\'s "x"'` (quotes included) as the JSON string `"it's \"x\""`.
        private static func singleQuotedAsJSON(_ quoted: Substring) -> String {
            var body = quoted
            if body.last == "'" { body = body.dropLast() }
            var output = "\""
            var escaped = false
            for character in body {
                if escaped {
                    escaped = false
                    if character != "'" { output.append("\\") }
                    output.append(character)
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    output += "\\\""
                } else {
                    output.append(character)
                }
            }
            if escaped { output += "\\\\" }
            return output + "\""
        }
    }
}
