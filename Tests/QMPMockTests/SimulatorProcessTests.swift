import Foundation
import QMP
import QMPChildProcess
import QMPTestSupport
import QMPTransportUnix
import Testing

@Suite("qmp-simulator as a process", .serialized, .timeLimit(.minutes(3)))
struct SimulatorProcessTests {
    /// Starts qmp-simulator on a Unix socket and waits for the socket.
    private func launch(_ arguments: [String], socket path: String) async throws -> LaunchedProcess {
        let process = try BuiltTool.launch("qmp-simulator", arguments)
        try await waitUntilListening(at: path)
        return process
    }

    @Test func servesClientsOneAfterAnotherAndExitsCleanlyOnSIGTERM() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let process = try await launch(["--unix", path], socket: path)
        for _ in 0..<3 {
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: path))
            try await client.execute("stop")
            #expect(try await client.events.get().name == "STOP")
            try await client.execute("cont")
            await client.disconnect()
        }
        kill(process.pid, SIGTERM)
        await BuiltTool.offPool { process.waitForExit() }
        #expect(process.exitStatus == 0, "a clean exit, not death by the signal")
        #expect(!FileManager.default.fileExists(atPath: path), "the socket file is removed on exit")
    }

    @Test func servesARecording() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/replay.sock"
        let process = try await launch(["--unix", path, "--replay", Transcripts.directory + "/stop-cont.qmp"], socket: path)
        defer { process.killAndWait() }
        let client = QMPClient()
        try await client.connect(try await UnixSocketTransport.connect(path: path))
        try await client.execute("stop")
        try await client.execute("cont")
        #expect(try await client.execute("query-status")["status"] == "running")
        #expect(client.events.history.map(\.name) == ["STOP", "RESUME"])
        await client.disconnect()
    }

    @Test func usageErrorsExitWithStatus2() async throws {
        let output = try await BuiltTool.run("qmp-simulator", ["--bogus"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("unknown argument '--bogus'"))
        let help = try await BuiltTool.run("qmp-simulator", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--replay TRANSCRIPT"))
    }

    @Test func theOfficialPythonClientDrivesTheSimulator() async throws {
        guard let python = try await PythonQMPClient.make() else { return }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/py.sock"
        let process = try await launch(["--unix", path], socket: path)
        defer { process.killAndWait() }
        let run = try await python.drive(socket: path)
        #expect(run.status == 0)
        let result = try JSONValue(parsing: run.output)
        #expect(result["status"]?["running"] == true)
        #expect(result["error"] == "CommandNotFound")
        #expect(result["event"] == "STOP")
    }
}
