import QMP
import QMPMock
import Testing

/// Found by Fuzz/FuzzTranscript: Swift reads "\r\n" as one Character, so splitting the
/// text at "\n" characters never split a CRLF file, and a line ending in carriage
/// returns did not survive printing and parsing again.
@Suite("Transcript line endings")
struct TranscriptLineEndingTests {
    @Test func crlfLinesReadLikeLF() throws {
        let lines = [
            #"<- {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#,
            #"-> {"execute":"qmp_capabilities","id":"0"}"#,
            #"<- {"return": {}, "id": "0"}"#,
            "<- EOF",
        ]
        let crlf = try Transcript(parsing: lines.joined(separator: "\r\n") + "\r\n")
        #expect(crlf.entries.count == 4)
        #expect(crlf == (try Transcript(parsing: lines.joined(separator: "\n") + "\n")))
    }

    @Test func trailingCarriageReturnsSurviveARoundTrip() throws {
        let transcript = try Transcript(parsing: "<- 4444444444444444444" + String(repeating: "\r", count: 27))
        #expect(transcript.entries.map(\.text) == ["4444444444444444444"])
        #expect(try Transcript(parsing: transcript.text) == transcript)
    }
}
