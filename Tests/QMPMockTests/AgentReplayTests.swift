import QMP
import QMPMock
import Testing

/// The guest agent transcripts, recorded from a real `qemu-ga`, replayed: the handshake's
/// random number is mapped like an id, and the agent's 0xFF bytes are played as recorded.
@Suite("Replay of guest agent transcripts", .timeLimit(.minutes(1)))
struct AgentReplayTests {
    private func replay(_ name: String, staleBytes: Bool = false, _ body: (QMPClient) async throws -> Void) async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load(name))
        if staleBytes { try await AgentTranscriptScenarios.leaveStaleBytes(on: replay) }
        let client = QMPClient()
        let info = try await client.connectToGuestAgent(replay, timeout: .seconds(30))
        #expect(info.version == "7.2.22")
        #expect(info.commands.first { $0.name == "guest-shutdown" }?.isEnabled == false)
        try await body(client)
        await client.disconnect()
        try replay.verifyCompleted()
    }

    @Test func handshakeAfterStaleBytes() async throws {
        try await replay("agent-handshake", staleBytes: true, AgentTranscriptScenarios.handshake)
    }

    @Test func exec() async throws {
        try await replay("agent-exec", AgentTranscriptScenarios.exec)
    }

    @Test func file() async throws {
        try await replay("agent-file", AgentTranscriptScenarios.file)
    }

    @Test func delimiterLinesRoundTrip() throws {
        let transcript = try Transcripts.load("agent-handshake")
        #expect(transcript.entries.filter(\.isDelimiter).count == 4)
        #expect(try Transcript(parsing: transcript.text) == transcript)
    }
}
