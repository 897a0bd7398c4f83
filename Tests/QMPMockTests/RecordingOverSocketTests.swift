import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// Over a socket, a lone command is written inline (`sendImmediately`) rather than
/// through `send`; the recorder must capture those writes too.
@Suite("Recording over a Unix socket", .timeLimit(.minutes(1)))
struct RecordingOverSocketTests {
    @Test func recordsCommandsWrittenInline() async throws {
        try await QEMUInstance.with { qemu in
            let recorder = RecordingTransport(try await UnixSocketTransport.connect(path: qemu.socketPath))
            let client = QMPClient()
            try await client.connect(recorder)
            _ = try await client.execute("query-status")
            await client.disconnect()
            let sent = recorder.transcript.entries.filter { $0.direction == .fromClient }.compactMap { try? $0.message()?["execute"] }
            #expect(sent == ["qmp_capabilities", "query-status"])
        }
    }
}
