/// Swift spellings of QAPI names.
enum SwiftName {
    /// `node-name` → `nodeName`, `job-id` → `jobID`, `8` → `_8`; keywords in backticks.
    static func member(_ wire: String) -> String {
        let words = wire.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }).map(String.init)
        guard let first = words.first else { return "_" }
        var name = first.lowercasedFirstWord()
        for word in words.dropFirst() { name += capitalized(word) }
        if let leading = name.first, leading.isNumber { name = "_" + name }
        return keywords.contains(name) ? "`\(name)`" : name
    }

    /// `query-status` → `QueryStatus`, `JOB_STATUS_CHANGE` → `JobStatusChange`.
    static func type(_ wire: String) -> String {
        let words = wire.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }).map(String.init)
        let allCaps = wire.uppercased() == wire
        var name = words.map { capitalized(allCaps ? $0.lowercased() : $0) }.joined()
        if let leading = name.first, leading.isNumber { name = "_" + name }
        return name
    }

    /// A documented type name as a Swift type name, clear of the standard library's.
    static func documentedType(_ name: String) -> String {
        let clean = name.replacingDashes()
        return reservedTypes.contains(clean) ? "QAPI" + clean : clean
    }

    /// The name without backticks, for messages and doc comments.
    static func bare(_ name: String) -> String { name.filter { $0 != "`" } }

    private static func capitalized(_ word: String) -> String {
        if word == "id" { return "ID" }
        guard let first = word.first else { return word }
        return first.uppercased() + word.dropFirst()
    }

    static let reservedTypes: Set<String> = [
        "String", "Int", "Bool", "Double", "Float", "Array", "Optional", "Error", "Result", "Type", "Any",
        "Never", "Void", "Character", "Set", "Dictionary", "Codable", "Sendable", "Data",
    ]

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "switch",
        "where", "while", "as", "Any", "catch", "false", "is", "nil", "super", "self", "Self", "throw",
        "throws", "true", "try", "Type", "any", "some",
    ]
}

extension String {
    /// `Foo` → `foo`, `VNC` → `vnc`, `ID` → `id`: the first word in lower case.
    func lowercasedFirstWord() -> String {
        let upperPrefix = prefix(while: \.isUppercase)
        if upperPrefix.count == count { return lowercased() }
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }

    func replacingDashes() -> String {
        String(map { $0 == "-" || $0 == "." ? "_" : $0 })
    }
}
