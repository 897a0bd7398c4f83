import Foundation
import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// Re-records the transcript corpus from real QEMU. Runs only when asked:
/// `Scripts/record-transcripts` (sets QMP_RECORD_TRANSCRIPTS=1).
@Suite(
    "Record transcripts from real QEMU", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["QMP_RECORD_TRANSCRIPTS"] == "1")
)
struct RecordTranscripts {
    @Test func negotiation() async throws {
        try await record("negotiation") { client in
            _ = try await client.execute("query-version")
        }
    }

    @Test func stopCont() async throws {
        try await record("stop-cont") { client in
            try await client.execute("stop")
            try await client.execute("cont")
            _ = try await client.execute("query-status")
            // Both events are in hand before the session ends, so the recording holds them.
            #expect(try await client.events.get().name == "STOP")
            #expect(try await client.events.get().name == "RESUME")
        }
    }

    @Test func backupJob() async throws {
        try await record("backup-job") { client in
            for node in ["src", "dst"] {
                try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": .string(node), "size": 1_048_576])
            }
            try await client.execute("blockdev-backup", arguments: ["job-id": "job0", "device": "src", "target": "dst", "sync": "full"])
            while true {
                let event = try await client.events.get()
                if event.name == "JOB_STATUS_CHANGE" && event.data["status"] == "null" { break }
            }
        }
    }

    @Test func schema() async throws {
        try await record("schema") { client in
            _ = try await client.execute("query-qmp-schema")
        }
    }

    @Test func errors() async throws {
        try await record("errors") { client in
            _ = try? await client.execute("no-such-command")
            _ = try? await client.execute("blockdev-del", arguments: ["node-name": "missing"])
            _ = try? await client.execute("blockdev-add", arguments: ["driver": "null-co"])
        }
    }

    @Test func quit() async throws {
        try await record("quit", disconnect: false) { client in
            try await client.execute("quit")
            for await state in client.runStates() where state == .idle { break }
        }
    }

    private func record(_ name: String, disconnect: Bool = true, _ body: (QMPClient) async throws -> Void) async throws {
        try await QEMUInstance.with { qemu in
            let recorder = RecordingTransport(try await UnixSocketTransport.connect(path: qemu.socketPath))
            let client = QMPClient()
            try await client.connect(recorder)
            try await body(client)
            if disconnect { await client.disconnect() }
            var transcript = recorder.transcript
            transcript.entries.removeAll { $0.isEndOfStream && disconnect }
            let path = Transcripts.directory + "/\(name).qmp"
            try transcript.write(to: path)
        }
    }
}

enum Transcripts {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Transcripts").path

    static func load(_ name: String) throws -> Transcript {
        try Transcript(contentsOf: directory + "/\(name).qmp")
    }
}
