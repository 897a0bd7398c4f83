import Foundation
import QMP

/// What the session reacts to next: a line of input, the end of input, or the
/// connection going away while the shell waits for input.
enum ShellInput: Sendable, Equatable {
    case line(String)
    case endOfInput
    case disconnected
}

enum LineReader {
    /// The `-c` commands, or stdin's lines, merged with the client leaving `.running`,
    /// so an interactive shell notices a lost connection without waiting for a line.
    ///
    /// Stdin is read on a thread of its own: the blocking read never occupies Swift's
    /// cooperative pool. That thread may stay blocked until the process exits.
    static func inputs(commands: [String], client: QMPClient) -> (stream: AsyncStream<ShellInput>, stop: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: ShellInput.self)
        if commands.isEmpty {
            Thread.detachNewThread {
                while let line = readLine(strippingNewline: true) { continuation.yield(.line(line)) }
                continuation.yield(.endOfInput)
            }
        } else {
            for command in commands { continuation.yield(.line(command)) }
            continuation.yield(.endOfInput)
        }
        let watcher = Task {
            for await state in client.runStates() where state != .running && state != .connecting {
                continuation.yield(.disconnected)
                return
            }
        }
        return (stream, { watcher.cancel(); continuation.finish() })
    }

    static var stdinIsTerminal: Bool { isatty(0) == 1 }
}
