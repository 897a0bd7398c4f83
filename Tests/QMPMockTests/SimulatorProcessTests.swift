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
        guard let python = try await PythonQMP.environment() else { return }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/py.sock"
        let process = try await launch(["--unix", path], socket: path)
        defer { process.killAndWait() }
        let script = """
        import asyncio, json, sys
        from qemu.qmp import QMPClient, ExecuteError

        async def main():
            qmp = QMPClient('swift-qmp-test')
            await qmp.connect(sys.argv[1])
            result = {"status": await qmp.execute('query-status')}
            try:
                await qmp.execute('no-such-command')
            except ExecuteError as error:
                result["error"] = error.error_class
            with qmp.listener('STOP') as listener:
                await qmp.execute('stop')
                event = await listener.get()
                result["event"] = event['event']
            await qmp.disconnect()
            print(json.dumps(result))

        asyncio.run(main())
        """
        let scriptPath = directory + "/client.py"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let run = Process()
        run.executableURL = URL(fileURLWithPath: python)
        run.arguments = [scriptPath, path]
        let stdout = Pipe()
        run.standardOutput = stdout
        try run.run()
        let data = await BuiltTool.readToEnd(stdout.fileHandleForReading)
        await BuiltTool.waitForExit(run)
        #expect(run.terminationStatus == 0)
        let result = try JSONValue(parsing: String(decoding: data, as: UTF8.self))
        #expect(result["status"]?["running"] == true)
        #expect(result["error"] == "CommandNotFound")
        #expect(result["event"] == "STOP")
    }
}

/// A virtual environment with PyPI's qemu.qmp 0.0.6, made once per machine.
enum PythonQMP {
    static let directory = NSTemporaryDirectory() + "swift-qmp-venv"

    /// The venv's python, or `nil` (skip) when PyPI is unreachable outside CI. Under CI=true it throws.
    static func environment() async throws -> String? {
        let python = directory + "/bin/python"
        if await check(python) { return python }
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: "/bin/sh")
        setup.arguments = ["-c", "python3 -m venv '\(directory)' && '\(directory)/bin/pip' install -q qemu.qmp==0.0.6"]
        try setup.run()
        await BuiltTool.waitForExit(setup)
        if setup.terminationStatus == 0, await check(python) { return python }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            throw QEMUUnavailable(message: "could not install qemu.qmp 0.0.6 from PyPI into \(directory)")
        }
        return nil
    }

    private static func check(_ python: String) async -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import qemu.qmp"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        await BuiltTool.waitForExit(probe)
        return probe.terminationStatus == 0
    }
}
