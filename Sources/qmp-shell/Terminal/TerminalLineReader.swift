import Dispatch
import QMPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Reads lines from a terminal in raw mode with a ``LineEditor``, on a thread of its own.
///
/// The session asks for each line with ``prompt(_:)``. Keys typed before it does (while a
/// command runs) are read as they come and kept for that line, but for Ctrl-C, which gives
/// the running command up (``setInterruption(_:)``), as a shell's does.
final class TerminalLineReader: Sendable {
    private let output: ShellOutput
    private let historyFile: HistoryFile?
    /// What Tab offers; set once the connected QEMU has said what it knows.
    private let completer = Lock<Completer?>(nil)
    private let prompts = Lock<[String]>([])
    /// A byte is written for each prompt: the reader waits on it and on the terminal at once.
    private let promptPipe: (read: Int32, write: Int32)
    /// What Ctrl-C typed while no line is read does: give up the command that runs.
    private let interruption = Lock<(@Sendable () -> Void)?>(nil)
    /// How long a lone Escape waits for the rest of an escape sequence.
    private static let escapeTimeout: Int32 = 50

    /// `nil` when the prompt pipe cannot be made (no descriptors left).
    init?(output: ShellOutput, historyFile: HistoryFile?) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        // Not inherited by a launched QEMU.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        self.promptPipe = (fds[0], fds[1])
        self.output = output
        self.historyFile = historyFile
    }

    /// Sets what Ctrl-C does while the session runs a command (`nil`: nothing runs).
    func setInterruption(_ interrupt: (@Sendable () -> Void)?) {
        interruption.withLock { $0 = interrupt }
    }

    func setCompleter(_ completer: Completer) {
        self.completer.withLock { $0 = completer }
    }

    /// Lets the reader draw `prompt` and read the next line.
    func prompt(_ prompt: String) {
        prompts.withLock { $0.append(prompt) }
        var byte: UInt8 = 1
        _ = write(promptPipe.write, &byte, 1)
    }

    /// Reads until the end of input; call on a thread of its own.
    func run(_ continuation: AsyncStream<ShellInput>.Continuation) {
        var history = History()
        var saving = historyFile
        if let historyFile {
            do {
                history = History(try historyFile.load())
            } catch {
                output.notice("\(error.message); this session's history is not saved")
                saving = nil
            }
        }
        var editor = LineEditor(history: history)
        var decoder = KeyDecoder()
        var queued: [Key] = []
        var typedAhead: [Key] = []
        while true {
            guard waitForPrompt(&decoder, typedAhead: &typedAhead) else {
                continuation.yield(.endOfInput)
                return
            }
            // After what the last read left (a paste's next lines), what was typed meanwhile.
            queued = typedAhead.reversed() + queued
            typedAhead = []
            let prompt = prompts.withLock { $0.isEmpty ? "" : $0.removeFirst() }
            editor.startLine()
            output.draw(editor.view(prompt: prompt))
            lineLoop: while true {
                if queued.isEmpty {
                    guard case .keys(let keys) = Self.readKeys(&decoder) else {
                        output.finishLine(editor.view(prompt: prompt))
                        continuation.yield(.endOfInput)
                        return
                    }
                    queued = keys.reversed()
                }
                var changed = false
                while let key = queued.popLast() {
                    switch editor.handle(key) {
                    case .none: break
                    case .redraw: changed = true
                    case .bell: output.write("\u{07}")
                    case .bellAndRedraw:
                        output.write("\u{07}")
                        changed = true
                    case .submit(let line, let remembered):
                        output.finishLine(editor.view(prompt: prompt))
                        if remembered, let file = saving {
                            do {
                                try file.append(line)
                            } catch {
                                output.notice("\(error.message); this session's history is not saved")
                                saving = nil
                            }
                        }
                        continuation.yield(.line(line))
                        break lineLoop
                    case .endOfInput:
                        output.finishLine(editor.view(prompt: prompt))
                        continuation.yield(.endOfInput)
                        return
                    case .interrupt:
                        output.finishLine(editor.view(prompt: prompt))
                        continuation.yield(.interrupt)
                        break lineLoop
                    case .cancelLine(let dropped):
                        output.finishLine(LineView(prompt: prompt, text: Array(dropped + "^C"), cursor: 0))
                        changed = true
                    case .complete:
                        changed = complete(&editor, prompt: prompt) || changed
                    case .clearScreen:
                        output.clearScreen(editor.view(prompt: prompt))
                        changed = false
                    }
                }
                // A paste arrives in many reads: draw once it is all in, not after each read.
                if changed && !Self.moreInputReady { output.draw(editor.view(prompt: prompt)) }
            }
        }
    }

    /// Tab: completes as far as the candidates agree, lists them when that is no further.
    private func complete(_ editor: inout LineEditor, prompt: String) -> Bool {
        guard let completer = completer.withLock({ $0 }) else {
            output.write("\u{07}")
            return false
        }
        let completion = completer.complete(editor.textBeforeCursor)
        if editor.complete(completion) { return true }
        if completion.candidates.count > 1 {
            output.draw(editor.view(prompt: prompt))
            output.above(Self.columns(completion.listed, width: RawTerminal.columns))
        } else {
            output.write("\u{07}")
        }
        return false
    }

    /// `words` in as many columns as fit, like readline's list of completions.
    static func columns(_ words: [String], width: Int) -> String {
        let cell = (words.map(\.count).max() ?? 0) + 2
        let perRow = max(1, width / max(cell, 1))
        var text = ""
        for (index, word) in words.enumerated() {
            let last = index % perRow == perRow - 1 || index == words.count - 1
            text += last ? word + "\n" : word + String(repeating: " ", count: cell - word.count)
        }
        return text
    }

    /// Until the session asks for the next line; keys typed meanwhile go to `typedAhead`,
    /// but Ctrl-C, which gives up the running command and drops what was typed before it.
    /// `false` once the terminal's input has ended.
    private func waitForPrompt(_ decoder: inout KeyDecoder, typedAhead: inout [Key]) -> Bool {
        func take(_ keys: [Key]) {
            for key in keys {
                guard key == .control("c") else {
                    typedAhead.append(key)
                    continue
                }
                typedAhead = []
                interruption.withLock { $0 }?()
            }
        }
        while true {
            switch Self.readKeys(&decoder, until: promptPipe.read) {
            case .keys(let keys): take(keys)
            case .woken:
                var byte: UInt8 = 0
                _ = read(promptPipe.read, &byte, 1)
                return true
            case .ended: return false
            }
        }
    }

    private static var moreInputReady: Bool {
        var request = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, 0) > 0
    }

    private enum KeysRead {
        case keys([Key])
        /// The descriptor waited on beside the terminal became readable first.
        case woken
        /// The end of input: the terminal hung up.
        case ended
    }

    /// The keys in the next read, waiting a moment for the rest of a split escape sequence;
    /// with `wake`, also waiting on that descriptor (the prompt pipe), which goes first.
    private static func readKeys(_ decoder: inout KeyDecoder, until wake: Int32? = nil) -> KeysRead {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if decoder.hasPending || wake != nil {
                var waits = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
                if let wake { waits.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
                let ready = poll(&waits, nfds_t(waits.count), decoder.hasPending ? escapeTimeout : -1)
                if ready < 0 {
                    if errno == EINTR { continue }
                    // Without a wake descriptor the read below reports what is wrong.
                    if wake != nil { return .ended }
                } else if ready == 0 {
                    return .keys(decoder.flush())
                } else if waits.count > 1 && waits[1].revents != 0 {
                    return .woken
                }
            }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if count <= 0 { return .ended }
            let keys = decoder.feed(buffer[..<count])
            if !keys.isEmpty { return .keys(keys) }
        }
    }
}
