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
    /// Status, an error, an event, and a descriptor passed with getfd, which QEMU accepts
    /// only when the descriptor really arrived.
    private let client = """
    import asyncio, json, os, sys
    from qemu.qmp import QMPClient, ExecuteError

    async def main():
        qmp = QMPClient('swift-qmp-proxy-test')
        await qmp.connect(sys.argv[1])
        result = {"status": await qmp.execute('query-status')}
        try:
            await qmp.execute('no-such-command')
        except ExecuteError as error:
            result["error"] = error.error_class
        with qmp.listener('STOP') as listener:
            await qmp.execute('stop')
            result["event"] = (await listener.get())['event']
        read, write = os.pipe()
        qmp.send_fd_scm(read)
        result["getfd"] = await qmp.execute('getfd', {'fdname': 'pipe0'})
        result["closefd"] = await qmp.execute('closefd', {'fdname': 'pipe0'})
        await qmp.disconnect()
        print(json.dumps(result, sort_keys=True))

    asyncio.run(main())
    """

    private func launchSimulator(_ arguments: [String], socket path: String) async throws -> LaunchedProcess {
        let process = try BuiltTool.launch("qmp-simulator", arguments)
        try await waitUntilListening(at: path)
        return process
    }

    private func runClient(_ python: String, script: String, socket: String) async throws -> (status: Int32, output: String) {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: python)
        run.arguments = [script, socket]
        let stdout = Pipe()
        run.standardOutput = stdout
        try run.run()
        let data = await BuiltTool.readToEnd(stdout.fileHandleForReading)
        await BuiltTool.waitForExit(run)
        return (run.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func recordsThePythonClientAgainstQEMUAndReplaysToTheSameReplies() async throws {
        guard let python = try await PythonQMP.environment() else { return }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/client.py"
        try client.write(toFile: script, atomically: true, encoding: .utf8)
        let transcriptPath = directory + "/session.qmp"

        let live = try await QEMUInstance.with { qemu in
            let proxySocket = directory + "/proxy.sock"
            let proxy = try await launchSimulator(["--unix", proxySocket, "--proxy", qemu.socketPath, "--record", transcriptPath], socket: proxySocket)
            defer { proxy.killAndWait() }
            let run = try await runClient(python, script: script, socket: proxySocket)
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
        let replayed = try await runClient(python, script: script, socket: replaySocket)
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
