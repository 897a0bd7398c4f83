import Foundation
import QMPTestSupport
import Synchronization

/// A qmp-shell process the test talks to while it runs: stdin stays open until
/// ``closeInput()``, and its output can be awaited piece by piece.
final class RunningShell: Sendable {
    private let process: Process
    private let input: FileHandle
    private let stdout = Buffer()
    private let stderr = Buffer()
    private let readers = DispatchGroup()

    init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltTool.path("qmp-shell"))
        process.arguments = arguments
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        input = stdinPipe.fileHandleForWriting
        try process.run()
        // Blocking reads on threads of their own, off the cooperative pool.
        for (handle, buffer) in [(stdoutPipe.fileHandleForReading, stdout), (stderrPipe.fileHandleForReading, stderr)] {
            readers.enter()
            Thread.detachNewThread { [readers] in
                while case let chunk = handle.availableData, !chunk.isEmpty {
                    buffer.data.withLock { $0.append(chunk) }
                }
                readers.leave()
            }
        }
    }

    var processIdentifier: Int32 { process.processIdentifier }
    var output: String { String(decoding: stdout.data.withLock { $0 }, as: UTF8.self) }
    var errors: String { String(decoding: stderr.data.withLock { $0 }, as: UTF8.self) }

    func send(_ line: String) {
        input.write(Data((line + "\n").utf8))
    }

    func closeInput() throws {
        try input.close()
    }

    /// Waits (up to 30 s: a QEMU launched on two loaded cores can take seconds) until stdout (or stderr) contains `text`.
    func waitForOutput(_ text: String, onStandardError: Bool = false) async throws {
        let printed = { onStandardError ? self.errors : self.output }
        for _ in 0..<3_000 where !printed().contains(text) {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard printed().contains(text) else {
            throw QEMUUnavailable(message: "no '\(text)' in qmp-shell's output: \(printed()); stderr: \(errors)")
        }
    }

    /// Waits for the process to exit (killing it after 30 s) and returns its status.
    func finish() async -> Int32 {
        let process = process
        let readers = readers
        let killer = Task {
            try await Task.sleep(for: .seconds(30))
            kill(process.processIdentifier, SIGKILL)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                readers.wait()
                continuation.resume()
            }
        }
        killer.cancel()
        return process.terminationStatus
    }
}

/// What one of the shell's output pipes delivered so far.
private final class Buffer: Sendable {
    let data = Mutex(Data())
}
