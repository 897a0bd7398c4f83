import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ending the tools' process from any thread: the main path, a signal's handler, a task.
public enum ProcessExit {
    private static let started = Atomic<Bool>(false)

    /// Calls `exit(3)` with `status` from the first caller only; a later caller (a second
    /// signal's handler, the main path finishing meanwhile) waits for the process to end.
    ///
    /// `exit(3)` on two threads at once runs the `atexit` handlers and the libraries'
    /// destructors twice: AddressSanitizer saw a double free in a child process of the tests.
    public static func exit(_ status: Int32) -> Never {
        if started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            Glibc.exit(status)
        }
        while true { pause() }
    }
}
