import Foundation
import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// Re-records the guest agent transcripts (`agent-*.qmp`) from a real `qemu-ga`, started by
/// ``GuestAgentInstance`` with every host-changing command blocked. Runs only when asked:
/// `Scripts/record-transcripts` (sets QMP_RECORD_TRANSCRIPTS=1).
@Suite(
    "Record transcripts from a real qemu-ga", .serialized, .requiresGuestAgent,
    .enabled(if: ProcessInfo.processInfo.environment["QMP_RECORD_TRANSCRIPTS"] == "1")
)
struct RecordTranscriptsFromQEMUGA {
    @Test func handshake() async throws {
        try await record("agent-handshake", staleBytes: true, AgentTranscriptScenarios.handshake)
    }

    @Test func exec() async throws {
        try await record("agent-exec", AgentTranscriptScenarios.exec)
    }

    @Test func file() async throws {
        try FileManager.default.createDirectory(atPath: AgentTranscriptScenarios.fileDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: AgentTranscriptScenarios.fileDirectory) }
        try await record("agent-file", AgentTranscriptScenarios.file)
    }

    private func record(_ name: String, staleBytes: Bool = false, _ body: (QMPClient) async throws -> Void) async throws {
        try await GuestAgentInstance.with { agent in
            let recorder = RecordingTransport(try await UnixSocketTransport.connect(path: agent.socketPath))
            if staleBytes { try await AgentTranscriptScenarios.leaveStaleBytes(on: recorder) }
            let client = QMPClient()
            try await client.connectToGuestAgent(recorder)
            try await body(client)
            await client.disconnect()
            var transcript = recorder.transcript
            transcript.entries.removeAll { $0.isEndOfStream }
            try transcript.write(to: Transcripts.directory + "/\(name).qmp")
        }
    }
}
