import QMP
import QMPMock
import Testing

@Suite("Transcripts")
struct TranscriptTests {
    @Test func textRoundTrips() throws {
        let text = """
        # swift-qmp transcript 1
        <- {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
        -> @0.000100 {"execute":"qmp_capabilities","id":"a"}
        <- @0.000250 {"return": {}, "id": "a"}
        <- EOF

        """
        let transcript = try Transcript(parsing: text)
        #expect(transcript.entries.count == 4)
        #expect(transcript.entries[1].direction == .fromClient)
        #expect(transcript.entries[1].time == 0.0001)
        #expect(transcript.entries[3].isEndOfStream)
        #expect(transcript.text == text)
    }

    @Test func malformedLinesNameTheirNumber() {
        #expect(throws: QMPError.self) { try Transcript(parsing: "<- {\"a\": 1}\n=> {}") }
        do {
            _ = try Transcript(parsing: "# header\n<- {\"a\": }")
        } catch {
            #expect(error.message.contains("line 2"))
        }
    }

    /// Found by FuzzTranscript: a time below Int64.min microseconds trapped when written back.
    @Test(arguments: ["-92233720368547758080.0", "1e300", "inf", "nan"])
    func timesThatCannotBeWrittenBackAreMalformed(time: String) {
        #expect(throws: QMPError.self) { try Transcript(parsing: "<- @\(time) {\"return\": {}}") }
    }

    /// A negative time printed its fraction with a sign of its own ("-1.-500000"), or
    /// trapped on the negative padding count.
    @Test(arguments: ["-1.500000", "-0.000001", "-86400.250000"])
    func negativeTimesRoundTrip(time: String) throws {
        let text = "# swift-qmp transcript 1\n<- @\(time) {\"return\": {}}\n"
        let transcript = try Transcript(parsing: text)
        #expect(transcript.text == text)
    }

    /// A time set in code is not checked; the text form leaves out one it cannot write
    /// instead of trapping.
    @Test(arguments: [Double.infinity, -Double.infinity, .nan, 1e300, -1e300])
    func timesSetInCodeThatCannotBeWrittenAreLeftOut(time: Double) throws {
        let transcript = Transcript(entries: [.init(direction: .fromServer, time: time, text: #"{"return": {}}"#)])
        #expect(transcript.text == "# swift-qmp transcript 1\n<- {\"return\": {}}\n")
        #expect(try Transcript(parsing: transcript.text).entries.first?.time == nil)
    }

    @Test func theCorpusLoads() throws {
        for name in ["negotiation", "stop-cont", "backup-job", "schema", "errors", "quit"] {
            let transcript = try Transcripts.load(name)
            #expect(transcript.entries.first?.text?.hasPrefix(#"{"QMP""#) == true, "\(name)")
        }
        #expect(try Transcripts.load("schema").entries.contains { ($0.text?.utf8.count ?? 0) > 200_000 })
    }

    @Test func recordingASessionReplaysIt() async throws {
        let simulator = SimulatedQEMU()
        let recorder = RecordingTransport(simulator.makeClientTransport(), recordTiming: true)
        let client = QMPClient()
        try await client.connect(recorder)
        try await client.execute("stop")
        _ = try await client.execute("query-status")
        #expect(try await client.events.get().name == "STOP")
        await client.disconnect()
        let transcript = try Transcript(parsing: recorder.transcript.text)
        #expect(transcript == recorder.transcript)
        #expect(transcript.entries.allSatisfy { $0.time != nil })

        let replay = try ReplayTransport(transcript: transcript)
        let again = QMPClient()
        try await again.connect(replay)
        try await again.execute("stop")
        #expect(try await again.execute("query-status")["status"] == "paused")
        await again.disconnect()
        try replay.verifyCompleted()
    }
}
