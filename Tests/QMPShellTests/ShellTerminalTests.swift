import Foundation
import QMP
import QMPChildProcess
import QMPTestSupport
import QMPTransportUnix
import Testing

@Suite("qmp-shell on a terminal", .serialized, .requiresQEMU, .timeLimit(.minutes(2)))
struct ShellTerminalTests {
    /// Runs the shell on a pseudo-terminal (util-linux `script`) so it is interactive, against a
    /// QEMU with two monitors: the test stops the VM through the second while the shell idles.
    @Test(.enabled(if: ScriptShell.isAvailable))
    func eventsArrivingAtThePromptRedrawIt() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let second = directory + "/second.sock"
        try await QEMUInstance.with(extraArguments: ["-qmp", "unix:\(second),server=on,wait=off"]) { qemu in
            let shell = try ScriptShell([qemu.socketPath])
            try await shell.waitForPrompt(number: 1)
            let other = QMPClient()
            try await other.connect(try await UnixSocketTransport.connect(path: second))
            try await other.execute("stop")
            await other.disconnect()
            try await shell.waitFor("] STOP")
            shell.type("query-status\n")
            try await shell.waitFor(#""status":"paused""#)
            shell.closeKeyboard()
            kill(shell.process.pid, SIGTERM)
            _ = await shell.finish()
            let text = shell.screen
            #expect(text.contains("(QEMU) \r\u{1B}[J["), "the prompt line is cleared before the event: \(text.debugDescription)")
            #expect(text.contains("] STOP\r\n\r\u{1B}[J(QEMU) "), "and drawn again after it: \(text.debugDescription)")
        }
    }
}

@Suite("qmp-shell on a terminal, against the simulator", .serialized, .timeLimit(.minutes(1)))
struct ShellSimulatorTerminalTests {
    /// Types `keys` into a qmp-shell on a pseudo-terminal (util-linux `script`), a chunk at
    /// each prompt as a person would (the first at the first prompt, and so on), and returns
    /// what the terminal showed and the exit status.
    private func type(_ keys: [String], arguments: [String] = []) async throws -> (screen: String, status: Int32) {
        let shell = try ScriptShell(arguments)
        for (index, key) in keys.enumerated() {
            try await shell.waitForPrompt(number: index + 1)
            shell.type(key)
        }
        let status = await shell.finish()
        return (shell.screen, status)
    }

    /// What stays on screen of each line: the line editor erases a line (`\r` and erase
    /// to the end of the screen) before drawing it again.
    static func visible(_ screen: String) -> String {
        screen.split(separator: "\r\n", omittingEmptySubsequences: false).map { line in
            line.ranges(of: "\r\u{1B}[J").last.map { String(line[$0.upperBound...]) } ?? String(line)
        }.joined(separator: "\r\n")
    }

    @Test(.enabled(if: ScriptShell.isAvailable))
    func transactionPromptAndControlD() async throws {
        let (screen, status) = try await type(["transaction(\n", "abort\n", ")\n", "query-status\n", "\u{04}"])
        #expect(screen.contains("Ctrl-D quits"))
        let lines = Self.visible(screen)
        #expect(lines.contains("(QEMU) transaction(\r\nTRANS> abort\r\nTRANS> )\r\n"), "\(screen)")
        #expect(lines.contains("error: GenericError: Transaction aborted using Abort action\r\n(QEMU) "), "\(screen)")
        #expect(screen.contains(#""status":"running""#))
        #expect(status == 1, "the aborted transaction fails the session")
    }

    @Test("the banner's example is in the mode's own language", .enabled(if: ScriptShell.isAvailable))
    func bannerExamplePerMode() async throws {
        for (arguments, example) in [([String](), "Type QMP commands, e.g. query-status"), (["-H"], "Type HMP commands, e.g. info status"),
                                     (["-N"], "Type agent commands, e.g. guest-ping")] {
            let (screen, _) = try await type(["\u{04}"], arguments: arguments)
            #expect(screen.contains(example), "\(arguments): \(screen)")
        }
    }

    @Test(.enabled(if: ScriptShell.isAvailable))
    func controlCEndsTheShellWith130() async throws {
        let (screen, status) = try await type(["query-status\n", "\u{03}"])
        #expect(screen.contains(#""status":"running""#))
        #expect(status == 130)
    }
}
