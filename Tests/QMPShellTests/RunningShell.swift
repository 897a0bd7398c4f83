import Foundation
import QMPChildProcess
import QMPTestSupport
import QMPCore
import Synchronization

/// A qmp-shell process the test talks to while it runs: stdin stays open until
/// ``closeInput()``, and its output can be awaited piece by piece.
final class RunningShell: Sendable {
    private let tool: BuiltTool.Started
    private let stdout = Buffer()
    private let stderr = Buffer()
    private let readers = DispatchGroup()
    private let inputClosed = Lock(false)

    init(_ arguments: [String]) throws {
        tool = try BuiltTool.start("qmp-shell", arguments)
        // Blocking reads on threads of their own, off the cooperative pool; each closes its fd at the end.
        for (fd, buffer) in [(tool.stdout, stdout), (tool.stderr, stderr)] {
            readers.enter()
            Thread.detachNewThread { [readers] in
                BuiltTool.readUntilEnd(fd) { chunk in buffer.data.withLock { $0.append(contentsOf: chunk) } }
                readers.leave()
            }
        }
    }

    deinit {
        closeInput()
    }

    var processIdentifier: Int32 { tool.process.pid }
    var output: String { String(decoding: stdout.data.withLock { $0 }, as: UTF8.self) }
    var errors: String { String(decoding: stderr.data.withLock { $0 }, as: UTF8.self) }

    func send(_ line: String) {
        BuiltTool.write(Array((line + "\n").utf8), to: tool.stdin)
    }

    /// Ends the shell's input. Idempotent.
    func closeInput() {
        let first = inputClosed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        if first { close(tool.stdin) }
    }

    /// Waits until stdout (or stderr) contains `text`: up to 150 s, longer than qmp-shell
    /// itself waits for a QEMU it launched (120 s; one launched on two loaded cores has
    /// taken over 30).
    func waitForOutput(_ text: String, onStandardError: Bool = false) async throws {
        let printed = { onStandardError ? self.errors : self.output }
        try await waitUntil("qmp-shell prints '\(text)'; it printed: \(printed()); stderr: \(errors)", within: .seconds(150)) {
            printed().contains(text)
        }
    }

    /// Waits for the process to exit (killing it after 30 s) and returns its status:
    /// the exit status, or 128 + the signal that killed it.
    func finish() async -> Int32 {
        let process = tool.process
        let readers = readers
        let killer = Task {
            try await Task.sleep(for: .seconds(30))
            kill(process.pid, SIGKILL)
        }
        await BuiltTool.offPool {
            process.waitForExit()
            readers.wait()
        }
        killer.cancel()
        return process.exitStatus ?? -1
    }
}

/// What one of the shell's output pipes delivered so far.
private final class Buffer: Sendable {
    let data = Lock([UInt8]())
}
