import Foundation

/// PyPI's qemu.qmp 0.0.6, in a virtual environment made once per machine, driving a QMP
/// server through one short session: `query-status`, an unknown command, `stop` and its
/// STOP event, and optionally a descriptor passed with `getfd`.
///
/// ```swift
/// guard let python = try await PythonQMPClient.make() else { return }  // skipped
/// let run = try await python.drive(socket: path)
/// let result = try JSONValue(parsing: run.output)  // {"error": "CommandNotFound", "event": "STOP", ...}
/// ```
public struct PythonQMPClient: Sendable {
    /// Where the virtual environment lives.
    public static let directory = NSTemporaryDirectory() + "swift-qmp-venv"
    /// The environment's python.
    public let python: String

    /// The session, as JSON on standard output with sorted keys (so two runs compare as
    /// text): `status`, `error` (the error class), `event`, and with the argument `getfd`
    /// also `getfd` and `closefd`, the replies to passing a pipe's read end as `pipe0`.
    /// QEMU accepts getfd only when the descriptor really arrived.
    private static let script = """
        import asyncio, json, os, sys
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
                result["event"] = (await listener.get())['event']
            if sys.argv[2:] == ['getfd']:
                read, write = os.pipe()
                qmp.send_fd_scm(read)
                result["getfd"] = await qmp.execute('getfd', {'fdname': 'pipe0'})
                result["closefd"] = await qmp.execute('closefd', {'fdname': 'pipe0'})
            await qmp.disconnect()
            print(json.dumps(result, sort_keys=True))

        asyncio.run(main())
        """

    /// The client, or `nil` (skip) when PyPI is unreachable outside CI. Under CI=true it throws.
    ///
    /// Tests run in parallel: the first call makes the environment and later ones wait for
    /// it, since two `venv` and `pip` runs into one directory break each other (seen on a
    /// fresh machine: one test failed with a half-made environment).
    public static func make() async throws -> PythonQMPClient? {
        try await installation.value
    }

    private static let installation = Task { try await install() }

    private static func install() async throws -> PythonQMPClient? {
        let python = directory + "/bin/python"
        if await check(python) { return PythonQMPClient(python: python) }
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: "/bin/sh")
        setup.arguments = ["-c", "python3 -m venv '\(directory)' && '\(directory)/bin/pip' install -q qemu.qmp==0.0.6"]
        try setup.run()
        await BuiltTool.waitForExit(setup)
        if setup.terminationStatus == 0, await check(python) { return PythonQMPClient(python: python) }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            throw QEMUUnavailable(message: "could not install qemu.qmp 0.0.6 from PyPI into \(directory)")
        }
        return nil
    }

    /// Runs the session against the QMP server on the Unix socket `socket`; with
    /// `passingDescriptor`, also getfd and closefd (the server must be a real QEMU, or pass
    /// descriptors on to one). Returns the exit status and standard output.
    public func drive(socket: String, passingDescriptor: Bool = false) async throws -> (status: Int32, output: String) {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: python)
        run.arguments = ["-c", Self.script, socket] + (passingDescriptor ? ["getfd"] : [])
        let stdout = Pipe()
        run.standardOutput = stdout
        try run.run()
        let data = await BuiltTool.readToEnd(stdout.fileHandleForReading)
        await BuiltTool.waitForExit(run)
        return (run.terminationStatus, String(decoding: data, as: UTF8.self))
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
