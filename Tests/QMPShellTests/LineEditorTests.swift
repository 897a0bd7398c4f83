@testable import qmp_shell
import Testing

@Suite("line editor state machine")
struct LineEditorTests {
    /// Feeds `keys` and returns the editor and the last action.
    private func edit(_ keys: [Key], history: [String] = []) -> (editor: LineEditor, action: LineEditor.Action?) {
        var editor = LineEditor(history: History(history))
        var action: LineEditor.Action?
        for key in keys { action = editor.handle(key) }
        return (editor, action)
    }

    @Test func typingMovingAndDeleting() {
        let (editor, _) = edit([.text("stpo"), .left, .backspace, .right, .text("p"), .home, .delete, .text("S"), .end, .text("!")])
        #expect(editor.line == "Stop!")
        #expect(editor.cursor == 5)
    }

    @Test func enterSubmitsAndRemembers() {
        let (editor, action) = edit([.text("query-status"), .enter])
        #expect(action == .submit("query-status", remembered: true))
        #expect(editor.history.entries == ["query-status"])
        let (_, again) = edit([.text("query-status"), .enter], history: ["query-status"])
        #expect(again == .submit("query-status", remembered: false), "a repeat of the last line is not kept twice")
        let (blank, _) = edit([.text("   "), .enter])
        #expect(blank.history.entries.isEmpty)
    }

    @Test func killAndYank() {
        var (editor, _) = edit([.text("stop now please"), .control("w")])
        #expect(editor.line == "stop now ")
        _ = editor.handle(.home)
        _ = editor.handle(.wordRight)
        _ = editor.handle(.control("k"))
        #expect(editor.line == "stop")
        _ = editor.handle(.control("y"))
        #expect(editor.line == "stop now ")
        _ = editor.handle(.control("a"))
        _ = editor.handle(.wordRight)
        _ = editor.handle(.control("u"))
        #expect(editor.line == " now ")
        #expect(editor.cursor == 0)
    }

    @Test func graphemeClustersMoveAsOne() {
        // é as e + combining acute, a flag, a skin-toned thumb: three characters, nine scalars.
        let (editor, _) = edit([.text("e"), .text("\u{301}"), .text("🇫🇷👍🏽"), .left, .backspace])
        #expect(editor.line == "e\u{301}👍🏽")
        #expect(editor.cursor == 1)
        #expect(editor.text.count == 2)
    }

    @Test func boundariesBeep() {
        #expect(edit([.backspace]).action == .bell)
        #expect(edit([.text("a"), .delete]).action == .bell)
        #expect(edit([.down]).action == .bell)
        #expect(edit([.up]).action == .bell, "no history yet")
    }

    @Test func controlDEndsOnlyAnEmptyLine() {
        #expect(edit([.control("d")]).action == .endOfInput)
        let (editor, action) = edit([.text("ab"), .home, .control("d")])
        #expect(action == .redraw)
        #expect(editor.line == "b")
    }

    @Test func controlCDropsTheLineOrEnds() {
        #expect(edit([.control("c")]).action == .interrupt)
        let (editor, action) = edit([.text("half typed"), .control("c")])
        #expect(action == .cancelLine("half typed"))
        #expect(editor.line.isEmpty)
    }

    @Test func historyUpAndDownKeepTheDraft() {
        var (editor, _) = edit([.text("dra"), .up], history: ["stop", "cont"])
        #expect(editor.line == "cont")
        _ = editor.handle(.up)
        #expect(editor.line == "stop")
        #expect(editor.handle(.up) == .bell)
        _ = editor.handle(.down)
        _ = editor.handle(.down)
        #expect(editor.line == "dra")
    }

    @Test func reverseSearch() {
        let history = ["query-status", "stop", "query-block", "cont"]
        var (editor, _) = edit([.control("r"), .text("query")], history: history)
        #expect(editor.view(prompt: "(QEMU) ").prompt == "(reverse-i-search)`query': ")
        #expect(String(editor.view(prompt: "").text) == "query-block")
        _ = editor.handle(.control("r"))
        #expect(String(editor.view(prompt: "").text) == "query-status")
        #expect(editor.handle(.control("r")) == .bellAndRedraw, "nothing older: the prompt says so")
        #expect(editor.view(prompt: "").prompt.hasPrefix("(failed reverse-i-search)"))
        #expect(editor.handle(.enter) == .submit("query-status", remembered: true))
    }

    @Test func searchCancelledRestoresTheLine() {
        var (editor, _) = edit([.text("draft"), .left, .control("r"), .text("st")], history: ["stop"])
        _ = editor.handle(.control("g"))
        #expect(editor.line == "draft")
        #expect(editor.cursor == 4, "the cursor where it was")
        #expect(editor.search == nil)
    }

    @Test func searchAcceptedByAnEditingKey() {
        var (editor, _) = edit([.control("r"), .text("co")], history: ["cont", "stop"])
        _ = editor.handle(.end)
        _ = editor.handle(.text(" x"))
        #expect(editor.line == "cont x")
    }

    @Test("a search that finds nothing shows its whole query, marked failed, and keeps the last match")
    func failedSearchShowsItsQuery() {
        var (editor, _) = edit([.control("r")], history: ["blockdev-add node-name=n1"])
        #expect(editor.handle(.text("no")) == .redraw)
        #expect(editor.handle(.text("m")) == .bellAndRedraw, "a paste of 'nom' arrives as one key, too")
        let view = editor.view(prompt: "(QEMU) ")
        #expect(view.prompt == "(failed reverse-i-search)`nom': ")
        #expect(String(view.text) == "blockdev-add node-name=n1")
        var (pasted, _) = edit([.control("r")], history: ["stop"])
        #expect(pasted.handle(.text("nom")) == .bellAndRedraw)
        #expect(pasted.view(prompt: "").prompt == "(failed reverse-i-search)`nom': ")
    }

    @Test("a key that ends a search and does nothing itself still redraws: the search prompt must go")
    func searchEndedByANoOpKeyRedraws() {
        for key in [Key.right, .escape, .delete] {
            var (editor, _) = edit([.control("r"), .text("stat")], history: ["query-status"])
            let action = editor.handle(key)
            #expect(action == .redraw || action == .bellAndRedraw, "\(key): \(action)")
            #expect(editor.search == nil)
            #expect(editor.view(prompt: "(QEMU) ").prompt == "(QEMU) ")
            #expect(editor.line == "query-status")
        }
    }

    @Test func completionInsertsTheCommonPart() {
        var (editor, _) = edit([.text("query-st")])
        #expect(editor.handle(.tab) == .complete)
        let both = Completion(wordStart: 0, candidates: ["query-stats ", "query-status "])
        let first = editor.complete(both)
        #expect(first)
        #expect(editor.line == "query-stat")
        let again = editor.complete(both)
        #expect(!again, "no further: list them")
        let one = editor.complete(Completion(wordStart: 0, candidates: ["query-status "]))
        #expect(one)
        #expect(editor.line == "query-status ")
    }

    @Test func historyKeepsTheNewest1024() {
        var history = History((0..<1100).map { "line \($0)" })
        #expect(history.entries.count == 1024)
        #expect(history.entries.first == "line 76")
        history.add("new")
        #expect(history.entries.count == 1024)
        #expect(history.entries.last == "new")
    }

    @Test func aHundredThousandCharacterLine() {
        let long = String(repeating: "x", count: 100_000)
        var (editor, _) = edit([.text(long), .home, .text("a")])
        #expect(editor.text.count == 100_001)
        #expect(editor.handle(.enter) == .submit("a" + long, remembered: true))
    }
}
