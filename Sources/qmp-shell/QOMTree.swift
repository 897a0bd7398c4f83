import QMP

/// `qom-tree [PATH]`: the QOM composition tree under PATH (`/` by default), one object a
/// line with its type, indented by depth, built from `qom-list` as QEMU's qom-tree script does.
enum QOMTree {
    struct Node: Equatable {
        var path: String
        var type: String
        var depth: Int
    }

    private static func words(_ line: String) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    /// Whether `line` is a `qom-tree` line.
    static func isQOMTree(_ line: String) -> Bool {
        words(line).first == "qom-tree"
    }

    /// The path a `qom-tree` line asks for: `qom-tree`, `qom-tree PATH` or, as the other
    /// commands' arguments are written, `qom-tree path=PATH`.
    static func path(in line: String) throws(CommandLineSyntax.SyntaxError) -> String {
        let words = words(line)
        switch words.count {
        case 1: return "/"
        case 2:
            let word = words[1]
            guard let equals = word.firstIndex(of: "=") else { return String(word) }
            guard word[..<equals] == "path" else {
                throw CommandLineSyntax.SyntaxError(message: "qom-tree takes PATH or path=PATH, got '\(word)'")
            }
            return String(word[word.index(after: equals)...])
        default:
            throw CommandLineSyntax.SyntaxError(message: "qom-tree takes one PATH, got \(words.count - 1) arguments")
        }
    }

    /// A tree is finite, but a broken peer's answers need not be.
    static let limit = 100_000
    static let depthLimit = 64

    static func nodes(under path: String, client: QMPClient) async throws(QMPError) -> [Node] {
        let rootType = try await client.execute("qom-get", arguments: ["path": .string(path), "property": "type"]).stringValue ?? "?"
        var nodes = [Node(path: path, type: rootType, depth: 0)]
        try await visit(path, depth: 0, into: &nodes, client: client)
        return nodes
    }

    /// Appends the children of `path`, each followed by its own, in name order.
    private static func visit(_ path: String, depth: Int, into nodes: inout [Node], client: QMPClient) async throws(QMPError) {
        guard nodes.count < limit, depth < depthLimit else { return }
        let properties = try await client.execute("qom-list", arguments: ["path": .string(path)]).arrayValue ?? []
        var children: [Node] = []
        for property in properties {
            guard let name = property["name"]?.stringValue, let type = property["type"]?.stringValue,
                  type.hasPrefix("child<"), type.hasSuffix(">") else { continue }
            let childPath = (path.hasSuffix("/") ? path : path + "/") + name
            children.append(Node(path: childPath, type: String(type.dropFirst(6).dropLast()), depth: depth + 1))
        }
        for child in children.sorted(by: { $0.path < $1.path }) {
            nodes.append(child)
            try await visit(child.path, depth: depth + 1, into: &nodes, client: client)
        }
    }

    static func text(_ nodes: [Node]) -> String {
        nodes.map { String(repeating: "  ", count: $0.depth) + "\($0.path) (\($0.type))\n" }.joined()
    }
}
