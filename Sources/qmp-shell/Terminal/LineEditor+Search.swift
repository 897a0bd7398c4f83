/// Ctrl-R: the newest history entry containing what was typed since, then older ones.
struct HistorySearch: Equatable {
    var query = ""
    /// The matching entry's index in the history.
    var match: Int?
    /// Whether the last key found nothing (the prompt says so).
    var failed = false
    /// The line as it was before Ctrl-R, for Ctrl-G.
    var original: [Character]
    var originalCursor: Int
}

/// What the renderer draws: a prompt and a line with the cursor in it.
struct LineView: Equatable {
    var prompt: String
    var text: [Character]
    var cursor: Int
}

extension LineEditor {
    /// The prompt and line to show: during a search, the query and the entry found.
    func view(prompt: String) -> LineView {
        guard let search else { return LineView(prompt: prompt, text: text, cursor: cursor) }
        let label = search.failed ? "(failed reverse-i-search)" : "(reverse-i-search)"
        var entry: [Character] = []
        var cursor = 0
        if let match = search.match {
            entry = Array(history.entries[match])
            if let range = history.entries[match].firstRange(of: search.query) {
                cursor = history.entries[match][..<range.lowerBound].count
            }
        }
        return LineView(prompt: "\(label)`\(search.query)': ", text: entry, cursor: cursor)
    }

    mutating func startSearch() {
        search = HistorySearch(original: text, originalCursor: cursor)
    }

    /// A key during a search; `nil` when the key ends the search and must then be
    /// handled as usual (Enter runs the entry found, Right or Ctrl-E edit it).
    mutating func handleSearch(_ key: Key) -> Action? {
        guard var search else { return nil }
        switch key {
        case .text(let typed):
            search.query += typed
            find(&search, from: search.match ?? history.entries.count - 1)
        case .control("r"):
            find(&search, from: (search.match ?? history.entries.count) - 1)
        case .backspace:
            guard !search.query.isEmpty else { return .bell }
            search.query.removeLast()
            find(&search, from: history.entries.count - 1)
        case .control("g"), .control("c"):
            self.search = nil
            replaceLine(with: String(search.original), cursor: search.originalCursor)
            return .redraw
        default:
            if let match = search.match { replaceLine(with: history.entries[match]) }
            self.search = nil
            return nil
        }
        self.search = search
        return search.failed ? .bellAndRedraw : .redraw
    }

    /// Looks for the query from entry `start` towards older ones; keeps the last match
    /// when there is none.
    private func find(_ search: inout HistorySearch, from start: Int) {
        guard !search.query.isEmpty else {
            search.failed = false
            return
        }
        var index = min(start, history.entries.count - 1)
        while index >= 0 {
            if history.entries[index].contains(search.query) {
                search.match = index
                search.failed = false
                return
            }
            index -= 1
        }
        search.failed = true
    }
}
