import Foundation
import QMP
import QMPCore
import QMPTestSupport
import Testing

/// What the guest agent transcripts hold: the same code records them against a real
/// `qemu-ga` (``RecordTranscriptsFromQEMUGA``) and replays them (``AgentReplayTests``).
enum AgentTranscriptScenarios {
    /// Where the file scenario writes, through the agent, while recording: a fixed path, so
    /// that a replay sends the same one. Created and removed by the recording.
    static let fileDirectory = NSTemporaryDirectory() + "swift-qmp-agent-transcript"

    /// An earlier client's leftovers on the channel: a command whose reply it never read,
    /// and its own handshake, whose answer the next client must pass over.
    static func leaveStaleBytes(on transport: some Transport) async throws {
        try await transport.send(Array(#"{"execute":"guest-ping"}"#.utf8))
        try await transport.send([0xFF] + Array(#"{"execute":"guest-sync-delimited","arguments":{"id":7}}"#.utf8))
    }

    static func handshake(_ client: QMPClient) async throws {
        #expect(try await client.execute("guest-ping") == [:])
    }

    static func exec(_ client: QMPClient) async throws {
        let started = try await client.execute(
            "guest-exec", arguments: ["path": "/bin/echo", "arg": ["from", "a", "transcript"], "capture-output": true]
        )
        let pid = try #require(started["pid"])
        let status = try await waitForValue("the agent reports that /bin/echo exited") { () async throws -> JSONValue? in
            let status = try await client.execute("guest-exec-status", arguments: ["pid": pid])
            guard status["exited"] == true else { return nil }
            return status
        }
        #expect(status["out-data"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data("from a transcript\n".utf8))
    }

    static func file(_ client: QMPClient) async throws {
        let path = JSONValue.string(fileDirectory + "/note.txt")
        let text = "kept by the agent\n"
        let handle = try await client.execute("guest-file-open", arguments: ["path": path, "mode": "w"])
        try await client.execute("guest-file-write", arguments: ["handle": handle, "buf-b64": .string(Data(text.utf8).base64EncodedString())])
        try await client.execute("guest-file-close", arguments: ["handle": handle])
        let reading = try await client.execute("guest-file-open", arguments: ["path": path, "mode": "r"])
        let read = try await client.execute("guest-file-read", arguments: ["handle": reading, "count": 1024])
        try await client.execute("guest-file-close", arguments: ["handle": reading])
        #expect(read["buf-b64"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data(text.utf8))
    }
}
