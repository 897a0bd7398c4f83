import Foundation
import QMPChildProcess
import QMPTestSupport
import Testing

/// The line editor in a real pseudo-terminal, against the built-in simulator: keys typed as
/// a person would, one key per write.
@Suite("qmp-shell line editing on a terminal", .serialized, .timeLimit(.minutes(2)))
struct LineEditingTerminalTests {
    private let left = "\u{1B}[D", right = "\u{1B}[C", up = "\u{1B}[A", homeKey = "\u{1B}[H", endKey = "\u{1B}[F", delete = "\u{1B}[3~"

    private func withHome(_ body: (String) async throws -> Void) async throws {
        let home = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await body(home)
    }

    /// Types each key in a write of its own.
    private func type(_ keys: [String], on shell: TerminalShell) {
        for key in keys { shell.type(key) }
    }

    @Test func editingKeysBuildTheLineThatRuns() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            let before = shell.settings.editingState
            try await shell.waitForPrompt(number: 1)
            // "stat", Home, "query-", End, "us": query-status.
            type(["s", "t", "a", "t", homeKey, "q", "u", "e", "r", "y", "-", endKey, "u", "s", "\r"], on: shell)
            try await shell.waitFor(#""status":"running""#)
            try await shell.waitForPrompt(number: 2)
            // "sotp" fixed with Left, Backspace, Right and Ctrl-A/Ctrl-E; junk cut with Ctrl-K, Ctrl-U, Ctrl-W.
            type(["s", "o", "t", "p", left, left, "\u{7F}", right, "o", "\u{01}", delete, "s", "\u{05}", " ", "x", "y", "\u{17}", "\r"], on: shell)
            try await shell.waitFor("] STOP")
            try await shell.waitForPrompt(number: 3)
            type(["g", "a", "r", "b", "a", "g", "e", "\u{15}", "q", "u", "e", "r", "y", "-", "s", "t", "a", "t", "u", "s", "x", "x", left, "\u{0B}", "\u{7F}", "\r"], on: shell)
            try await shell.waitFor(#""status":"paused""#)
            try await shell.waitForPrompt(number: 4)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
            #expect(shell.visibleScreen.contains("(QEMU) stop \r\n"), "Ctrl-W leaves the space: \(shell.visibleScreen)")
            #expect(shell.settings.editingState == before, "Ctrl-D leaves the terminal as it was")
        }
    }

    @Test func controlLClearsTheScreenAndKeepsTheLine() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            try await shell.waitForPrompt(number: 1)
            shell.type("query-st")
            shell.type("\u{0C}")
            try await shell.waitFor("\u{1B}[H\u{1B}[2J\r\u{1B}[J(QEMU) query-st")
            shell.type("atus\r")
            try await shell.waitFor(#""status":"running""#)
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
        }
    }

    @Test func utf8TextMovesByCharacter() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            try await shell.waitForPrompt(number: 1)
            // A comment of multi-scalar characters: Left steps over each whole, Backspace removes one whole.
            type(["# e\u{301}🇫🇷日", left, left, "\u{7F}", "\r"], on: shell)
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
            #expect(shell.visibleScreen.contains("(QEMU) # 🇫🇷日\r\n"), "\(shell.visibleScreen)")
        }
    }

    @Test func historyIsKeptAcrossRunsAndSearchable() async throws {
        try await withHome { home in
            let first = try TerminalShell([], home: home)
            try await first.waitForPrompt(number: 1)
            first.type("query-status\r")
            try await first.waitForPrompt(number: 2)
            first.type("stop\r")
            try await first.waitForPrompt(number: 3)
            first.type("\u{04}")
            #expect(await first.finish() == 0)
            let saved = try String(contentsOfFile: home + "/.qmp-shell_history", encoding: .utf8)
            #expect(saved == "query-status\nstop\n", "Python's format: one entry a line")

            let second = try TerminalShell([], home: home)
            try await second.waitForPrompt(number: 1)
            type([up, up, "\r"], on: second)
            try await second.waitFor(#""status":"running""#)
            try await second.waitForPrompt(number: 2)
            type(["\u{12}", "o", "p"], on: second)
            try await second.waitFor("(reverse-i-search)`op': stop")
            second.type("\r")
            try await second.waitFor("] STOP")
            try await second.waitForPrompt(number: 3)
            second.type("\u{04}")
            #expect(await second.finish() == 0)
            let after = try String(contentsOfFile: home + "/.qmp-shell_history", encoding: .utf8)
            #expect(after == "query-status\nstop\nquery-status\nstop\n")
        }
    }

    @Test func hmpModeHasAHistoryOfItsOwn() async throws {
        try await withHome { home in
            let shell = try TerminalShell(["-H"], home: home)
            try await shell.waitForPrompt(number: 1)
            shell.type("info status\r")
            try await shell.waitFor("VM status: running")
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
            #expect(try String(contentsOfFile: home + "/.qmp-shell_hmp_history", encoding: .utf8) == "info status\n")
            #expect(!FileManager.default.fileExists(atPath: home + "/.qmp-shell_history"))
        }
    }

    @Test func tabCompletesCommandNamesFromTheSimulator() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            try await shell.waitForPrompt(number: 1)
            type(["q", "u", "e", "r", "y", "-", "s", "t", "a", "\t", "\r"], on: shell)
            try await shell.waitFor(#""status":"running""#)
            try await shell.waitForPrompt(number: 2)
            // Ambiguous: the names are listed and the line stays as it was.
            type(["q", "u", "\t", "\t"], on: shell)
            try await shell.waitFor("quit")
            try await shell.waitFor("query-status")
            shell.type("\u{15}\u{04}")
            #expect(await shell.finish() == 0)
            #expect(shell.visibleScreen.contains("(QEMU) query-status \r\n"), "\(shell.visibleScreen)")
        }
    }

    @Test func tabCompletesGuestAgentCommandsFromGuestInfo() async throws {
        try await withHome { home in
            let shell = try TerminalShell(["--agent"], home: home)
            try await shell.waitForPrompt(number: 1)
            shell.type("guest-pin\t\r")
            try await shell.waitFor("(QEMU) guest-ping \r\n{}\r\n", visible: true)
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
        }
    }

    @Test func controlCDropsALineThenEndsTheShellAndRestoresTheTerminal() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            let before = shell.settings.editingState
            try await shell.waitForPrompt(number: 1)
            #expect(shell.settings.editingState != before, "raw mode while the shell reads")
            type(["s", "t", "o", "\u{03}"], on: shell)
            try await shell.waitFor("sto^C")
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{03}")
            #expect(await shell.finish() == 130)
            #expect(shell.settings.editingState == before, "the terminal is as it was")
        }
    }

    @Test(arguments: [SIGTERM, SIGHUP])
    func aSignalRestoresTheTerminal(signal: Int32) async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            let before = shell.settings.editingState
            try await shell.waitForPrompt(number: 1)
            shell.type("half a line")
            try await shell.waitFor("half a line")
            kill(shell.process.pid, signal)
            #expect(await shell.finish() == 128 + signal)
            #expect(shell.settings.editingState == before)
        }
    }

    @Test func aLostConnectionRestoresTheTerminal() async throws {
        try await withHome { home in
            let socket = home + "/sim.sock"
            let simulator = try BuiltTool.launch("qmp-simulator", ["--unix", socket])
            defer { simulator.killAndWait() }
            try await waitUntilListening(at: socket)
            let shell = try TerminalShell([socket], home: home)
            let before = shell.settings.editingState
            try await shell.waitForPrompt(number: 1)
            shell.type("half a line")
            try await shell.waitFor("(QEMU) half a line")
            kill(simulator.pid, SIGKILL)
            #expect(await shell.finish() == 2)
            #expect(shell.settings.editingState == before)
            #expect(shell.visibleScreen.contains("(QEMU) half a line\r\nqmp-shell: connection to QEMU lost"), "\(shell.visibleScreen)")
        }
    }

    @Test func garbageTypedOrPastedIsHarmless() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home)
            try await shell.waitForPrompt(number: 1)
            // Invalid UTF-8, NUL and other control bytes, a C1 CSI, a truncated escape sequence.
            shell.type([0xFF, 0xC0, 0x80, 0x00, 0x1C, 0x1D, 0x1E, 0x1F, 0xC2, 0x9B, 0x32, 0x4A, 0x1B, 0x5B, 0x31, 0x3B])
            shell.type("\u{15}")
            let long = String(repeating: "x", count: 100_000)
            shell.type(long + "\r")
            try await shell.waitFor("CommandNotFound")
            try await shell.waitForPrompt(number: 2)
            shell.type("query-status\r")
            try await shell.waitFor(#""status":"running""#)
            try await shell.waitForPrompt(number: 3)
            shell.type("\u{04}")
            #expect(await shell.finish() == 1, "the unknown command failed the session")
            // Only the editor's own CR, LF, escape sequences and bell: nothing typed reached the terminal raw.
            let controls = shell.screen.unicodeScalars.filter { $0.properties.generalCategory == .control && !"\r\n\u{1B}\u{07}".unicodeScalars.contains($0) }
            #expect(controls.isEmpty, "\(controls.map(\.value))")
        }
    }

    @Test func aResizeMidLineRedrawsIt() async throws {
        try await withHome { home in
            let shell = try TerminalShell([], home: home, columns: 80)
            try await shell.waitForPrompt(number: 1)
            shell.type("query-")
            try await shell.waitFor("(QEMU) query-")
            shell.resize(columns: 10)
            // Drawn again for the new width: 13 columns are two rows of 10 now.
            try await shell.waitFor("(QEMU) query-\r\u{1B}[J(QEMU) query-")
            shell.type("status\r")
            try await shell.waitFor(#""status":"running""#)
            #expect(shell.screen.contains("\u{1B}[1A\r\u{1B}[J(QEMU) query-status"), "the second row is erased from the first")
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
        }
    }

    @Test func anUnreadableHistoryIsReportedOnceAndTheShellWorks() async throws {
        try await withHome { home in
            let path = home + "/.qmp-shell_history"
            try Data([0x71, 0x00, 0xFF, 0xFE, 0x0A, 0x80]).write(to: URL(fileURLWithPath: path))
            let shell = try TerminalShell([], home: home)
            try await shell.waitForPrompt(number: 1)
            shell.type("query-status\r")
            try await shell.waitFor(#""status":"running""#)
            try await shell.waitForPrompt(number: 2)
            shell.type("stop\r")
            try await shell.waitForPrompt(number: 3)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
            #expect(shell.screen.components(separatedBy: "is not a history file").count == 2, "said once: \(shell.screen)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([0x71, 0x00, 0xFF, 0xFE, 0x0A, 0x80]), "left as it was")
        }
    }
}
