import Dispatch
import QMPChildProcess
import QMPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work that must happen however the shell ends, normally or by a signal: a QEMU
/// started by `--launch` must not outlive the shell, nor its socket directory.
enum ExitCleanup {
    private struct State {
        var actions: [@Sendable () -> Void] = []
        /// The first terminating signal received, if any.
        var signal: Int32?
        /// An action failed (see ``failLater()``): a status of 0 becomes 1.
        var actionFailed = false
        /// What runs before a signal's exit (see ``exitOnSignals(beforeExit:)``).
        var beforeExit: @Sendable () -> Void = {}
    }

    private static let state = Lock(State())
    /// Held while actions run, so an exit on one thread waits for a cleanup in
    /// progress on another instead of ending the process halfway through it.
    private static let running = Lock(())

    static func add(_ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.actions.append(action) }
    }

    /// Whether the shell is going down because of a signal: what follows is no error to report.
    static var interrupted: Bool { state.withLock { $0.signal != nil } }

    /// Runs every action added so far, newest first, each once.
    static func run() {
        running.withLock { _ in
            let pending = state.withLock { state in
                defer { state.actions = [] }
                return state.actions
            }
            for action in pending.reversed() { action() }
        }
    }

    /// Cleans up and exits: with `status`, or with `128 + signal` once a signal arrived,
    /// the status a shell reports for a process that signal killed.
    static func exit(_ status: Int32) -> Never {
        run()
        let (signal, actionFailed) = state.withLock { ($0.signal, $0.actionFailed) }
        ProcessExit.exit(signal.map { 128 + $0 } ?? (status == 0 && actionFailed ? 1 : status))
    }

    /// For an action that failed (the log could not be written): the shell must not exit 0.
    static func failLater() {
        state.withLock { $0.actionFailed = true }
    }

    /// Turns SIGINT, SIGTERM and SIGHUP into cleanup and ``exit(_:)``.
    ///
    /// The handlers run on a queue of their own, never on the cooperative pool, because
    /// cleanup waits for QEMU to die. Keep the returned sources alive until exit.
    static func exitOnSignals(beforeExit: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        state.withLock { $0.beforeExit = beforeExit }
        let queue = DispatchQueue(label: "qmp-shell.signals")
        return [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { exit(bySignal: number) }
            source.activate()
            return source
        }
    }

    /// Ends the shell as `number` would: the status a shell reports for a process it killed.
    static func exit(bySignal number: Int32) -> Never {
        // The closure is taken under the lock and run after it: it writes to the terminal.
        state.withLock { state in
            state.signal = state.signal ?? number
            return state.beforeExit
        }()
        exit(0)
    }

    /// Ends the shell as Ctrl-C would (status 130).
    static func exitInterrupted() -> Never {
        exit(bySignal: SIGINT)
    }
}
