/// The little of roff that the QAPI reference manuals (Sphinx's man writer) use.
enum Roff {
    /// The text of `line` with escapes resolved and font changes dropped.
    static func plain(_ line: Substring) -> String {
        var out = ""
        var rest = line[...]
        while let slash = rest.firstIndex(of: "\\") {
            out += rest[..<slash]
            rest = rest[rest.index(after: slash)...]
            guard let next = rest.first else { break }
            rest = rest.dropFirst()
            switch next {
            case "-": out += "-"
            case "e": out += "\\"
            case "%", "&": break
            case "f": rest = rest.dropFirst()  // \fB, \fI, \fP, \fR
            case "(":
                let name = rest.prefix(2)
                rest = rest.dropFirst(2)
                switch name {
                case "aq": out += "'"
                case "dq": out += "\""
                case "ga": out += "`"
                default: out += "?"
                }
            default: out.append(next)
            }
        }
        return out + rest
    }

    /// The bold spans of `line` (`\fB...\fP`), each as plain text.
    static func boldSpans(_ line: Substring) -> [String] {
        var spans: [String] = []
        var rest = line[...]
        while let start = rest.range(of: "\\fB") {
            rest = rest[start.upperBound...]
            guard let end = rest.range(of: "\\fP") else { break }
            spans.append(plain(rest[..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return spans
    }
}

extension Substring {
    /// The range of the first occurrence of `needle`.
    func range(of needle: String) -> Range<Index>? {
        let target = Array(needle.utf8)
        var index = startIndex
        while index < endIndex {
            if self[index...].utf8.starts(with: target) {
                return index..<self.utf8.index(index, offsetBy: target.count)
            }
            index = self.index(after: index)
        }
        return nil
    }
}
