extension CommandLineSyntax {
    /// Splits a line into words at spaces and tabs.
    ///
    /// Quoted strings (`"..."` or `'...'`, with backslash escapes) and bracketed values
    /// (`a={"b": [1, 2]}`) stay one word even when they contain spaces. Quotes are kept:
    /// the value parser decides what they mean.
    enum Words {
        static func split(_ line: String) throws(SyntaxError) -> [String] {
            var words: [String] = []
            var current = ""
            var depth = 0
            var quote: Character?
            var escaped = false
            for character in line {
                if let open = quote {
                    current.append(character)
                    if escaped {
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == open {
                        quote = nil
                    }
                    continue
                }
                switch character {
                case "\"", "'":
                    quote = character
                    current.append(character)
                case "{", "[":
                    depth += 1
                    current.append(character)
                case "}", "]":
                    guard depth > 0 else { throw SyntaxError(message: "unbalanced '\(character)' in '\(current)\(character)'") }
                    depth -= 1
                    current.append(character)
                case " " where depth == 0, "\t" where depth == 0:
                    if !current.isEmpty {
                        words.append(current)
                        current = ""
                    }
                default:
                    current.append(character)
                }
            }
            if let quote { throw SyntaxError(message: "unterminated \(quote) quote in '\(current)'") }
            guard depth == 0 else {
                throw SyntaxError(message: "unclosed '{' or '[' in '\(current)' (quote it if it is a string: key='[text')")
            }
            if !current.isEmpty { words.append(current) }
            return words
        }
    }
}
