import Foundation
import QMPChildProcess
import QMPCore
import QMPTestSupport
import Synchronization

/// A qmp-shell under util-linux `script`, whose pseudo-terminal is the shell's controlling
/// terminal (``TerminalShell``'s is not), so Ctrl-C typed outside raw mode becomes SIGINT as
/// it would for a person. What the terminal shows is read as it comes.
final class ScriptShell: ShellScreen, Sendable {
    static let script = "/usr/bin/script"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: script) }

    let process: LaunchedProcess
    /// What `script` reads and copies to the terminal, as if typed.
    private let keyboard: Int32
    private let output = ScriptOutput()
    private let reader = DispatchGroup()
    private let keyboardClosed = Lock(false)

    init(_ arguments: [String]) throws {
        let (keyboard, scriptInput) = try makeSocketPair()
        let (display, scriptOutput) = try makeSocketPair()
        defer { for fd in [scriptInput, scriptOutput] { close(fd) } }
        do {
            // -e: exit with the shell's status.
            process = try LaunchedProcess(
                path: Self.script,
                arguments: ["script", "-q", "-e", "-c", ([try BuiltTool.path("qmp-shell")] + arguments).joined(separator: " "), "/dev/null"],
                stdin: scriptInput, stdout: scriptOutput
            )
        } catch {
            for fd in [keyboard, display] { close(fd) }
            throw error
        }
        self.keyboard = keyboard
        reader.enter()
        Thread.detachNewThread { [output, reader] in
            BuiltTool.readUntilEnd(display) { chunk in output.bytes.withLock { $0.append(contentsOf: chunk) } }
            reader.leave()
        }
    }

    deinit {
        closeKeyboard()
    }

    var screen: String { String(decoding: output.bytes.withLock { $0 }, as: UTF8.self) }

    func type(_ keys: String) {
        BuiltTool.write(Array(keys.utf8), to: keyboard)
    }

    /// Ends `script`'s input. Idempotent.
    func closeKeyboard() {
        let first = keyboardClosed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        if first { close(keyboard) }
    }

    /// Waits for `script` to exit (killed after 30 s) and for the last of its output; its
    /// status, which is the shell's (128 + signal when killed).
    func finish() async -> Int32 {
        let process = process
        let reader = reader
        let killer = Task {
            try await Task.sleep(for: .seconds(30))
            kill(process.pid, SIGKILL)
        }
        await BuiltTool.offPool {
            process.waitForExit()
            reader.wait()
        }
        killer.cancel()
        return process.exitStatus ?? -1
    }
}

/// What the terminal showed so far, filled by the reader thread.
private final class ScriptOutput: Sendable {
    let bytes = Lock([UInt8]())
}
