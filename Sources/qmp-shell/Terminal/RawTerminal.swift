import Dispatch
import QMPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Stdin's terminal switched to raw mode for line editing, and back.
///
/// Raw here means: no line buffering, no echo, and Ctrl-C, Ctrl-Z, Ctrl-S reach the editor
/// as keys. Output processing stays on, so every `\n` the shell prints still starts a new
/// line. The original settings are restored by ``ExitCleanup`` on every way out (a signal
/// included), and the first restore wins: restoring twice is harmless.
enum RawTerminal {
    private static let saved = Lock<termios?>(nil)

    /// Switches stdin to raw mode; `false` if it is not a terminal or refused.
    static func enable() -> Bool {
        var original = termios()
        guard tcgetattr(0, &original) == 0 else { return false }
        var raw = original
        raw.c_iflag &= ~tcflag_t(ICRNL | IXON | BRKINT | INPCK | ISTRIP | INLCR | IGNCR)
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_cflag |= tcflag_t(CS8)
        // Blocking reads of at least one byte.
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        saved.withLock { $0 = original }
        ExitCleanup.add { restore() }
        return tcsetattr(0, TCSANOW, &raw) == 0
    }

    /// Puts back the settings from before ``enable()``.
    static func restore() {
        guard var original = saved.withLock({ $0 }) else { return }
        _ = tcsetattr(0, TCSANOW, &original)
    }

    /// Runs `action` whenever the terminal is resized (SIGWINCH), on a queue of its own,
    /// for as long as the returned source is kept.
    static func onResize(_ action: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: DispatchQueue(label: "qmp-shell.resize"))
        source.setEventHandler(handler: action)
        source.activate()
        return source
    }

    /// The terminal's width, 80 when it does not say.
    static var columns: Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0 || ioctl(0, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
