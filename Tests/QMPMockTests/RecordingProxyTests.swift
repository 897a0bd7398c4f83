import Foundation
import QMP
import QMPChildProcess
import QMPMock
import QMPTestSupport
import QMPTransportTCP
import QMPTransportUnix
import Testing

/// `qmp-simulator --proxy UPSTREAM --record FILE` between PyPI's Python client and a real QEMU.
@Suite("qmp-simulator --proxy --record", .serialized, .requiresQEMU, .timeLimit(.minutes(3)))
struct RecordingProxyTests {
    private func launchSimulator(_ arguments: [String], socket path: String) async throws -> LaunchedProcess {
        let process = try BuiltTool.launch("qmp-simulator", arguments)
        try await waitUntilListening(at: path)
        return process
    }

    @Test func recordsThePythonClientAgainstQEMUAndReplaysToTheSameReplies() async throws {
        guard let python = try await PythonQMPClient.make() else { return }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transcriptPath = directory + "/session.qmp"

        let live = try await QEMUInstance.with { qemu in
            let proxySocket = directory + "/proxy.sock"
            let proxy = try await launchSimulator(["--unix", proxySocket, "--proxy", qemu.socketPath, "--record", transcriptPath], socket: proxySocket)
            defer { proxy.killAndWait() }
            let run = try await python.drive(socket: proxySocket, passingDescriptor: true)
            // The transcript is written when the connection ends; the file appears whole (rename).
            try await waitUntil("the proxy wrote \(transcriptPath)") { FileManager.default.fileExists(atPath: transcriptPath) }
            return run
        }
        #expect(live.status == 0)
        let result = try JSONValue(parsing: live.output)
        #expect(result["status"]?["running"] == true)
        #expect(result["error"] == "CommandNotFound")
        #expect(result["event"] == "STOP")
        #expect(result["getfd"] == .object([:]), "the descriptor went through the proxy to QEMU")

        let transcript = try String(contentsOfFile: transcriptPath, encoding: .utf8)
        #expect(transcript.contains(#"{"QMP": {"version": {"qemu": "#), "QEMU's own greeting")
        #expect(transcript.contains(#""execute":"getfd""#))
        #expect(transcript.contains(#""event": "STOP""#))

        // No QEMU now: the recording answers the same client the same way.
        let replaySocket = directory + "/replay.sock"
        let replay = try await launchSimulator(["--unix", replaySocket, "--replay", transcriptPath], socket: replaySocket)
        defer { replay.killAndWait() }
        let replayed = try await python.drive(socket: replaySocket, passingDescriptor: true)
        #expect(replayed.status == 0)
        #expect(replayed.output == live.output)
    }

    @Test func overTCPToAUnixSocketQEMU() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let transcriptPath = directory + "/tcp.qmp"
        let port = LoopbackPort.free()
        let status = try await QEMUInstance.with { qemu in
            let proxy = try BuiltTool.launch("qmp-simulator", ["--tcp", "127.0.0.1:\(port)", "--proxy", qemu.socketPath, "--record", transcriptPath])
            defer { proxy.killAndWait() }
            let client = QMPClient()
            try await waitUntil("the proxy listens on port \(port)") { QEMUInstance.isListening(host: "127.0.0.1", port: port) }
            try await client.connect(try await TCPTransport.connect(to: HostPort(host: "127.0.0.1", port: port)))
            try await client.execute("stop")
            let status = try await client.execute("query-status")
            await client.disconnect()
            try await waitUntil("the proxy wrote \(transcriptPath)") { FileManager.default.fileExists(atPath: transcriptPath) }
            return status
        }
        #expect(status["status"] == "paused")
        let replay = try ReplayTransport(transcript: try Transcript(contentsOf: transcriptPath))
        let client = QMPClient()
        try await client.connect(replay)
        try await client.execute("stop")
        #expect(try await client.execute("query-status") == status, "the recording answers as QEMU did")
        await client.disconnect()
    }
}
