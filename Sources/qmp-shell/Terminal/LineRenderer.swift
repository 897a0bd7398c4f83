/// The escape sequences that draw a ``LineView`` on a terminal and erase it again,
/// for lines longer than the terminal is wide too.
///
/// It remembers only how many rows of the drawn line are above the terminal's cursor:
/// enough to get back to the line's start, wherever the cursor is.
struct LineRenderer {
    private(set) var cursorRow = 0

    /// Erases the line drawn last and draws `view` in its place.
    mutating func draw(_ view: LineView, columns: Int) -> String {
        let columns = max(columns, 1)
        var output = erase()
        let all = Array(view.prompt) + view.text
        output += String(all)
        var end = Self.position(of: all[...], columns: columns)
        if end.column == columns {
            // The terminal waits at the last column; a new line puts its cursor where we count it
            // (output processing, left on by RawTerminal, makes every `\n` a CR LF).
            output += "\n"
            end = (end.row + 1, 0)
        }
        var target = Self.position(of: all[..<(view.prompt.count + min(view.cursor, view.text.count))], columns: columns)
        if target.column == columns { target = (target.row + 1, 0) }
        cursorRow = target.row
        // Typing at the end of the line, the usual case, needs no cursor movement.
        guard target != end else { return output }
        if end.row > target.row { output += "\u{1B}[\(end.row - target.row)A" }
        output += "\r"
        if target.column > 0 { output += "\u{1B}[\(target.column)C" }
        return output
    }

    /// Back to the start of the drawn line and clear from there to the end of the screen.
    mutating func erase() -> String {
        defer { cursorRow = 0 }
        return (cursorRow > 0 ? "\u{1B}[\(cursorRow)A" : "") + "\r\u{1B}[J"
    }

    /// Draws `view` once more with the cursor at its end and moves to a fresh line, leaving
    /// the line on screen as it was entered.
    mutating func finish(_ view: LineView, columns: Int) -> String {
        var done = view
        done.cursor = view.text.count
        let output = draw(done, columns: columns)
        cursorRow = 0
        return output + "\n"
    }

    /// Where the terminal's cursor is after printing `characters` from the start of a row:
    /// a wide character that does not fit at the end of a row goes to the next one.
    /// A column equal to `columns` is the terminal waiting at the end of a full row.
    static func position(of characters: ArraySlice<Character>, columns: Int) -> (row: Int, column: Int) {
        var row = 0
        var column = 0
        for character in characters {
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            if column + width > columns {
                row += 1
                column = 0
            }
            column += width
        }
        return (row, column)
    }
}
