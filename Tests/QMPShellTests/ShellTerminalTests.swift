import Foundation
import QMP
import QMPTestSupport
import QMPTransportUnix
import Testing

@Suite("qmp-shell on a terminal", .serialized, .requiresQEMU, .timeLimit(.minutes(2)))
struct ShellTerminalTests {
    /// Runs the shell on a pseudo-terminal (util-linux `script`) so it is interactive, against a
    /// QEMU with two monitors: the test stops the VM through the second while the shell idles.
    @Test func eventsArrivingAtThePromptRedrawIt() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let second = directory + "/second.sock"
        try await QEMUInstance.with(extraArguments: ["-qmp", "unix:\(second),server=on,wait=off"]) { qemu in
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            shell.arguments = ["-q", "-c", "\(try BuiltTool.path("qmp-shell")) \(qemu.socketPath)", "/dev/null"]
            let input = Pipe()
            let output = Pipe()
            shell.standardInput = input
            shell.standardOutput = output
            try shell.run()
            try await Task.sleep(for: .milliseconds(700))
            let other = QMPClient()
            try await other.connect(try await UnixSocketTransport.connect(path: second))
            try await other.execute("stop")
            await other.disconnect()
            try await Task.sleep(for: .milliseconds(300))
            input.fileHandleForWriting.write(Data("query-status\n".utf8))
            try await Task.sleep(for: .milliseconds(500))
            try input.fileHandleForWriting.close()
            kill(shell.processIdentifier, SIGTERM)
            let text = String(decoding: await BuiltTool.readToEnd(output.fileHandleForReading), as: UTF8.self)
            #expect(text.contains("(QEMU) \r\u{1B}[J["), "the prompt line is cleared before the event")
            #expect(text.contains("] STOP\r\n\r\u{1B}[J(QEMU) "), "and drawn again after it")
            #expect(text.contains(#""status":"paused""#))
        }
    }
}

@Suite("qmp-shell on a terminal, against the simulator", .serialized, .timeLimit(.minutes(1)))
struct ShellSimulatorTerminalTests {
    /// Types `keys` into a qmp-shell on a pseudo-terminal (util-linux `script`), a chunk at
    /// a time as a person would, and returns what the terminal showed and the exit status.
    private func type(_ keys: [String], arguments: [String] = []) async throws -> (screen: String, status: Int32) {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // -e: exit with the shell's status.
        shell.arguments = ["-q", "-e", "-c", ([try BuiltTool.path("qmp-shell")] + arguments).joined(separator: " "), "/dev/null"]
        let input = Pipe()
        let output = Pipe()
        shell.standardInput = input
        shell.standardOutput = output
        try shell.run()
        let screen = Task { String(decoding: await BuiltTool.readToEnd(output.fileHandleForReading), as: UTF8.self) }
        for key in keys {
            try await Task.sleep(for: .milliseconds(200))
            input.fileHandleForWriting.write(Data(key.utf8))
        }
        let killer = Task {
            try await Task.sleep(for: .seconds(20))
            kill(shell.processIdentifier, SIGKILL)
        }
        let text = await screen.value
        await BuiltTool.waitForExit(shell)
        killer.cancel()
        try input.fileHandleForWriting.close()
        return (text, shell.terminationStatus)
    }

    /// What stays on screen of each line: the line editor erases a line (`\r` and erase
    /// to the end of the screen) before drawing it again.
    static func visible(_ screen: String) -> String {
        screen.split(separator: "\r\n", omittingEmptySubsequences: false).map { line in
            line.ranges(of: "\r\u{1B}[J").last.map { String(line[$0.upperBound...]) } ?? String(line)
        }.joined(separator: "\r\n")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func transactionPromptAndControlD() async throws {
        let (screen, status) = try await type(["transaction(\n", "abort\n", ")\n", "query-status\n", "\u{04}"])
        #expect(screen.contains("Ctrl-D quits"))
        let lines = Self.visible(screen)
        #expect(lines.contains("(QEMU) transaction(\r\nTRANS> abort\r\nTRANS> )\r\n"), "\(screen)")
        #expect(lines.contains("error: GenericError: Transaction aborted using Abort action\r\n(QEMU) "), "\(screen)")
        #expect(screen.contains(#""status":"running""#))
        #expect(status == 1, "the aborted transaction fails the session")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func controlCEndsTheShellWith130() async throws {
        let (screen, status) = try await type(["query-status\n", "\u{03}"])
        #expect(screen.contains(#""status":"running""#))
        #expect(status == 130)
    }
}
