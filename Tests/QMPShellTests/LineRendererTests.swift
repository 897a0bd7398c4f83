@testable import qmp_shell
import Testing

@Suite("line renderer")
struct LineRendererTests {
    @Test func drawsPromptAndLineAndPlacesTheCursor() {
        var renderer = LineRenderer()
        let output = renderer.draw(LineView(prompt: "(QEMU) ", text: Array("stop"), cursor: 2), columns: 80)
        #expect(output == "\r\u{1B}[J(QEMU) stop\r\u{1B}[9C")
        #expect(renderer.cursorRow == 0)
    }

    @Test func atTheEndNoCursorMovement() {
        var renderer = LineRenderer()
        #expect(renderer.draw(LineView(prompt: "(QEMU) ", text: Array("stop"), cursor: 4), columns: 80) == "\r\u{1B}[J(QEMU) stop")
        #expect(renderer.finish(LineView(prompt: "(QEMU) ", text: Array("stop"), cursor: 1), columns: 80) == "\r\u{1B}[J(QEMU) stop\n")
    }

    @Test func aWrappedLineIsErasedFromItsFirstRow() {
        var renderer = LineRenderer()
        // 7 + 30 columns on a 10-column terminal: rows 0...3, cursor at the end (row 3, column 7).
        let view = LineView(prompt: "(QEMU) ", text: Array(String(repeating: "x", count: 30)), cursor: 30)
        _ = renderer.draw(view, columns: 10)
        #expect(renderer.cursorRow == 3)
        #expect(renderer.erase() == "\u{1B}[3A\r\u{1B}[J")
        #expect(renderer.cursorRow == 0)
    }

    @Test func aFullLastRowMovesToTheNext() {
        var renderer = LineRenderer()
        let output = renderer.draw(LineView(prompt: "> ", text: Array("12345678"), cursor: 8), columns: 10)
        #expect(output.hasSuffix("12345678\n"))
        #expect(renderer.cursorRow == 1)
    }

    @Test func wideCharactersTakeTwoColumns() {
        #expect(LineRenderer.position(of: Array("日本語")[...], columns: 80) == (0, 6))
        // The third wide character does not fit in a 5-column row: it starts the next.
        #expect(LineRenderer.position(of: Array("日本語")[...], columns: 5) == (1, 2))
        #expect(DisplayWidth.of("e\u{301}" as Character) == 1)
        #expect(DisplayWidth.of("👍🏽" as Character) == 2)
    }
}
