/// A transport that a caller can read on its own thread, without waiting for a task.
///
/// A command's round trip to a fast peer takes tens of microseconds; the thread
/// wakeups that usually carry its reply from the transport's reader to the caller
/// (the epoll thread, then the caller's executor: the main thread for the main
/// actor) cost about as much again. Over a `DirectReadTransport`, `QMPClient` lets
/// a lone command's caller read its own reply right after sending it: it waits in
/// the kernel for a short, bounded time (``waitUntilReceivable(within:)``) and then
/// reads (``receiveNow()``), so the reply wakes the caller's thread and no other.
/// The Unix and TCP socket transports conform.
///
/// Readiness is counted (``readinessCount``): a reader reads the count, then tries a
/// read, and after `wouldBlock` waits for a report past the count it read
/// (``waitForReadiness(after:)``), so readiness that lands in between is never lost.
/// A caller that read in the reader's place hands reading back with
/// ``reportReadiness()``. While a caller reads, the transport may stop reporting
/// readiness (``pauseReadinessReports()``): the task waiting for it would only wake to
/// find the bytes are the caller's.
///
/// The contract, beyond ``Transport``'s:
/// - The client never calls ``receiveNow()`` concurrently with itself; it calls it
///   from different tasks and threads, one at a time, and then never calls
///   ``Transport/receive()``.
/// - ``waitUntilReceivable(within:)`` blocks the calling thread for at most the
///   given time, and returns early once the transport may be readable or is closed.
///   No other requirement blocks a thread.
public protocol DirectReadTransport: Transport {
    /// One read attempt that never waits.
    func receiveNow() throws -> ReceiveAttempt

    /// Blocks the calling thread until the next ``receiveNow()`` may find bytes or the
    /// end of the stream, or until `timeout` has passed; returns whether it may.
    func waitUntilReceivable(within timeout: Duration) -> Bool

    /// How many readiness reports the transport has had: read it before a
    /// ``receiveNow()`` whose `wouldBlock` leads to ``waitForReadiness(after:)``.
    var readinessCount: UInt64 { get }

    /// Suspends until ``readinessCount`` has moved past `count` (at once if it has),
    /// or until the transport is closed.
    func waitForReadiness(after count: UInt64) async throws

    /// Counts a readiness report of the transport's own and wakes the tasks in
    /// ``waitForReadiness(after:)``: whoever read in their place has left bytes for them.
    func reportReadiness()

    /// A caller is about to read in place of the tasks in ``waitForReadiness(after:)``:
    /// readiness need not be reported to them until ``resumeReadinessReports()``.
    /// The client calls the two in pairs, never nested.
    func pauseReadinessReports()

    /// Reports readiness again after ``pauseReadinessReports()``, and reports it at once
    /// (as a report past every count read before) when the transport may be readable now.
    func resumeReadinessReports()
}

extension DirectReadTransport {
    /// Reports go on as before: a transport whose reports cost nothing need not pause them.
    public func pauseReadinessReports() {}

    /// Nothing was paused.
    public func resumeReadinessReports() {}
}

/// What one ``DirectReadTransport/receiveNow()`` found.
public enum ReceiveAttempt: Sendable, Equatable {
    /// Bytes from the peer, of any size, with no regard for message boundaries.
    case bytes([UInt8])
    /// Nothing yet.
    case wouldBlock
    /// The peer closed the stream, or the transport was closed.
    case endOfStream
}
