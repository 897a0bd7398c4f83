/// One key press (or one run of typed or pasted text), as the line editor sees it.
enum Key: Equatable, Sendable {
    /// Printable text, already valid UTF-8 and free of control characters; a paste arrives
    /// as one run, so the line is redrawn once per read rather than once per character.
    case text(String)
    case enter, tab, backspace, delete
    case left, right, up, down, home, end
    case wordLeft, wordRight
    /// Ctrl and a letter that has no name above (`"a"` for Ctrl-A).
    case control(Character)
    case escape
    /// A key the editor does not use (a function key, an unknown escape sequence).
    case ignored
}
