/// The lines entered so far, oldest first, as many as Python's qmp-shell keeps (1,024).
struct History: Equatable {
    static let limit = 1024
    private(set) var entries: [String]

    init(_ entries: [String] = []) {
        self.entries = Array(entries.suffix(Self.limit))
    }

    /// Whether `line` is worth remembering: not blank, and not what was entered just before.
    static func isWorthKeeping(_ line: String, after previous: String?) -> Bool {
        !line.allSatisfy(\.isWhitespace) && line != previous
    }

    /// Adds `line` if it is worth keeping; returns whether it was added.
    @discardableResult
    mutating func add(_ line: String) -> Bool {
        guard Self.isWorthKeeping(line, after: entries.last) else { return false }
        entries.append(line)
        if entries.count > Self.limit { entries.removeFirst(entries.count - Self.limit) }
        return true
    }
}
