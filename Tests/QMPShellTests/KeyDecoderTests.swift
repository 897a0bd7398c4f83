@testable import qmp_shell
import Testing

@Suite("terminal key decoder")
struct KeyDecoderTests {
    private func keys(_ bytes: [UInt8]) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.feed(bytes) + decoder.flush()
    }

    @Test func arrowsHomeEndAndDelete() {
        #expect(keys(Array("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D\u{1B}[H\u{1B}[F\u{1B}OH\u{1B}[4~\u{1B}[3~\u{1B}[1;5D".utf8))
            == [.up, .down, .right, .left, .home, .end, .home, .end, .delete, .wordLeft])
    }

    @Test func controlKeys() {
        #expect(keys([0x01, 0x05, 0x0B, 0x15, 0x17, 0x0C, 0x03, 0x04, 0x12, 0x7F, 0x08, 0x09, 0x0D])
            == [.control("a"), .control("e"), .control("k"), .control("u"), .control("w"), .control("l"),
                .control("c"), .control("d"), .control("r"), .backspace, .backspace, .tab, .enter])
    }

    @Test func textRunsStayTogether() {
        #expect(keys(Array("stop é 日本\r".utf8)) == [.text("stop é 日本"), .enter])
    }

    @Test func sequencesSplitAcrossReads() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.hasPending)
        #expect(decoder.feed(Array("[".utf8)) == [])
        #expect(decoder.feed(Array("A".utf8)) == [.up])
        let euro = Array("€".utf8)
        #expect(decoder.feed(euro.prefix(1)) == [])
        #expect(decoder.feed(euro.dropFirst()) == [.text("€")])
    }

    @Test func aLoneEscapeIsSettledByFlush() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1B]) == [])
        #expect(decoder.flush() == [.escape])
        #expect(!decoder.hasPending)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        // A stray continuation byte, an overlong slash, a surrogate, a cut sequence at the end.
        #expect(keys([0x61, 0x80, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0x62, 0xE2, 0x82]) == [.text("a\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}b"), .text("\u{FFFD}")])
    }

    @Test func controlCharactersAreNeverText() {
        // NUL, ESC-less C0 bytes without a key, and C1 controls in UTF-8 (U+009B is a CSI).
        let decoded = keys([0x00, 0x1C, 0x1F, 0x61, 0xC2, 0x9B, 0x62])
        #expect(decoded == [.text("ab")])
    }

    @Test func aControlByteCutsAnEscapeSequenceShort() {
        #expect(keys([0x1B, 0x5B, 0x31, 0x3B, 0x15, 0x61]) == [.ignored, .control("u"), .text("a")])
    }

    @Test func garbageEscapeSequencesAreBounded() {
        var decoder = KeyDecoder()
        // A parameter run with no final byte, far longer than any key's sequence.
        #expect(decoder.feed([0x1B, UInt8(ascii: "[")] + Array(repeating: UInt8(ascii: "1"), count: 100)) == [.ignored])
        #expect(!decoder.hasPending)
        #expect(decoder.feed(Array("ab".utf8)) == [.text("ab")])
    }
}
