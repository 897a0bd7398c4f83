import Dispatch
import Foundation
import QMP

/// What the session reacts to next: a line of input, the end of input, or the
/// connection going away while the shell waits for input.
enum ShellInput: Sendable, Equatable {
    case line(String)
    /// Ctrl-C on an empty line.
    case interrupt
    case endOfInput
    case disconnected
}

/// Where the session's lines come from, and how it asks for the next one.
struct LineSource {
    let inputs: AsyncStream<ShellInput>
    /// Shows the prompt for the next line.
    let prompt: (String) -> Void
    let stop: @Sendable () -> Void
    /// The line editor, on a terminal; `nil` for `-c` and for stdin that is no terminal.
    let editor: TerminalLineReader?
    /// Redraws the edited line when the terminal is resized, while it is kept.
    let resize: (any DispatchSourceSignal)?
}

enum LineReader {
    /// The `-c` commands, or stdin's lines, merged with the client leaving `.running`,
    /// so an interactive shell notices a lost connection without waiting for a line.
    ///
    /// Stdin is read on a thread of its own: the blocking read never occupies Swift's
    /// cooperative pool. That thread may stay blocked until the process exits. On a
    /// terminal, the line editor reads it in raw mode; elsewhere lines are read as they
    /// come, exactly as a script expects.
    static func inputs(commands: [String], client: QMPClient, output: ShellOutput, history: HistoryFile?) -> LineSource {
        let (stream, continuation) = AsyncStream.makeStream(of: ShellInput.self)
        var editor: TerminalLineReader?
        var resize: (any DispatchSourceSignal)?
        var prompt: (String) -> Void = output.showPrompt
        if !commands.isEmpty {
            for command in commands { continuation.yield(.line(command)) }
            continuation.yield(.endOfInput)
        } else if output.interactive, let reader = TerminalLineReader(output: output, historyFile: history), RawTerminal.enable() {
            Thread.detachNewThread { reader.run(continuation) }
            resize = RawTerminal.onResize { output.redrawLine() }
            editor = reader
            prompt = reader.prompt
        } else {
            Thread.detachNewThread {
                while let line = readLine(strippingNewline: true) { continuation.yield(.line(line)) }
                continuation.yield(.endOfInput)
            }
        }
        let watcher = Task {
            for await state in client.runStates() where state != .running && state != .connecting {
                continuation.yield(.disconnected)
                return
            }
        }
        return LineSource(inputs: stream, prompt: prompt, stop: { watcher.cancel(); continuation.finish() }, editor: editor, resize: resize)
    }

    static var stdinIsTerminal: Bool { isatty(0) == 1 }
}
