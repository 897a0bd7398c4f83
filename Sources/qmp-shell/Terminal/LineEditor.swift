/// The line being typed at the prompt: text, cursor and history, and what each key does
/// to them. Pure state: no terminal, so every key is testable on its own.
///
/// The text is kept as grapheme clusters (`Character`), so the cursor moves over `é`,
/// `🇫🇷` or `👍🏽` in one step however many code points they hold.
struct LineEditor {
    /// What the reader does after a key.
    enum Action: Equatable {
        /// Draw the line again (it, the cursor or the prompt changed).
        case redraw
        /// Nothing to show.
        case none
        /// The user can't do that here (Backspace at the start of the line): beep.
        case bell
        /// Beep, and draw the line again: a search that found nothing says so in its prompt.
        case bellAndRedraw
        /// Enter: the line is done; `remembered` when it was added to the history.
        case submit(String, remembered: Bool)
        /// Ctrl-D on an empty line.
        case endOfInput
        /// Ctrl-C on an empty line: the shell ends, as it does on SIGINT (or drops an open transaction).
        case interrupt
        /// Ctrl-C with text on the line: the text (given) is dropped, the line is empty.
        case cancelLine(String)
        /// Tab: ask the completer about ``textBeforeCursor``, then call ``complete(_:)``.
        case complete
        /// Ctrl-L.
        case clearScreen
    }

    private(set) var text: [Character] = []
    private(set) var cursor = 0
    private(set) var history: History
    /// Which history entry is on the line; `nil` for the line being typed (`draft`).
    private var historyIndex: Int?
    private var draft: [Character] = []
    /// What Ctrl-K, Ctrl-U and Ctrl-W removed last, for Ctrl-Y.
    private var killed: [Character] = []
    /// Ctrl-R's incremental search, while it is on.
    var search: HistorySearch?

    init(history: History = History()) {
        self.history = history
    }

    var line: String { String(text) }
    var textBeforeCursor: String { String(text[..<cursor]) }

    /// Clears the line for the next prompt; the history stays.
    mutating func startLine() {
        text = []
        cursor = 0
        historyIndex = nil
        draft = []
        search = nil
    }

    mutating func handle(_ key: Key) -> Action {
        guard search != nil else { return handleEditing(key) }
        if let action = handleSearch(key) { return action }
        // The key ended the search: the screen still shows the search's prompt, so the
        // line is drawn again even where the key itself changes nothing (Right at the end).
        let action = handleEditing(key)
        return action == .none ? .redraw : action == .bell ? .bellAndRedraw : action
    }

    private mutating func handleEditing(_ key: Key) -> Action {
        switch key {
        case .text(let typed): insert(typed)
        case .enter:
            let line = self.line
            return .submit(line, remembered: history.add(line))
        case .tab: return .complete
        case .backspace:
            guard cursor > 0 else { return .bell }
            cursor -= 1
            text.remove(at: cursor)
        case .delete, .control("d"):
            if key == .control("d") && text.isEmpty { return .endOfInput }
            guard cursor < text.count else { return .bell }
            text.remove(at: cursor)
        case .left, .control("b"):
            guard cursor > 0 else { return .none }
            cursor -= 1
        case .right, .control("f"):
            guard cursor < text.count else { return .none }
            cursor += 1
        case .home, .control("a"): cursor = 0
        case .end, .control("e"): cursor = text.count
        case .wordLeft: cursor = wordStart(before: cursor)
        case .wordRight: cursor = wordEnd(after: cursor)
        case .control("k"): kill(cursor..<text.count)
        case .control("u"): kill(0..<cursor)
        case .control("w"): kill(wordStart(before: cursor)..<cursor)
        case .control("y"): insert(String(killed))
        case .control("l"): return .clearScreen
        case .control("c"):
            guard !text.isEmpty else { return .interrupt }
            let dropped = line
            startLine()
            return .cancelLine(dropped)
        case .control("r"): startSearch()
        case .up, .control("p"): return showHistory(older: true)
        case .down, .control("n"): return showHistory(older: false)
        case .control, .escape, .ignored: return .none
        }
        return .redraw
    }

    /// Applies what the completer found for ``textBeforeCursor``: the common part of the
    /// candidates replaces the word being completed. Returns whether the line changed;
    /// when it did not and there are several candidates, the reader lists them.
    mutating func complete(_ completion: Completion) -> Bool {
        let replaced = textBeforeCursor.count - completion.wordStart
        guard replaced >= 0, let insertion = completion.insertion else { return false }
        let current = String(text[(cursor - replaced)..<cursor])
        guard insertion != current else { return false }
        text.replaceSubrange((cursor - replaced)..<cursor, with: Array(insertion))
        cursor += insertion.count - replaced
        return true
    }

    /// Inserts `typed` at the cursor. The grapheme clusters are worked out again around
    /// it, so a combining accent typed after `e` joins it instead of standing alone.
    private mutating func insert(_ typed: String) {
        guard !typed.isEmpty else { return }
        let before = String(text[..<cursor]) + typed
        let after = text[cursor...]
        let joined = before + String(after)
        text = Array(joined)
        cursor = min(before.count, text.count)
    }

    private mutating func kill(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        killed = Array(text[range])
        text.removeSubrange(range)
        cursor = range.lowerBound
    }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, text[index - 1].isWhitespace { index -= 1 }
        while index > 0, !text[index - 1].isWhitespace { index -= 1 }
        return index
    }

    private func wordEnd(after position: Int) -> Int {
        var index = position
        while index < text.count, text[index].isWhitespace { index += 1 }
        while index < text.count, !text[index].isWhitespace { index += 1 }
        return index
    }

    private mutating func showHistory(older: Bool) -> Action {
        let entries = history.entries
        let next: Int?
        switch (historyIndex, older) {
        case (nil, true): next = entries.isEmpty ? nil : entries.count - 1
        case (nil, false): return .bell
        case (let index?, true): next = index > 0 ? index - 1 : nil
        case (let index?, false): next = index + 1 < entries.count ? index + 1 : entries.count
        }
        guard let next else { return .bell }
        if historyIndex == nil { draft = text }
        if next == entries.count {
            historyIndex = nil
            text = draft
        } else {
            historyIndex = next
            text = Array(entries[next])
        }
        cursor = text.count
        return .redraw
    }

    /// Puts `line` on the line, the cursor at `cursor` or at its end (Ctrl-R accepting a
    /// match, or giving up and putting back what was there).
    mutating func replaceLine(with line: String, cursor: Int? = nil) {
        text = Array(line)
        self.cursor = min(cursor ?? text.count, text.count)
        historyIndex = nil
    }
}
