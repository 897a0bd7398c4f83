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
/// The contract, beyond ``Transport``'s:
/// - The client never calls ``receiveNow()`` concurrently with itself; it calls it
///   from different tasks and threads, one at a time, and mixes it with
///   ``Transport/receive()`` only under that rule.
/// - ``waitUntilReceivable(within:)`` blocks the calling thread for at most the
///   given time, and returns early once the transport may be readable or is closed.
public protocol DirectReadTransport: Transport {
    /// One read attempt that never waits.
    func receiveNow() throws -> ReceiveAttempt

    /// Blocks the calling thread until the next ``receiveNow()`` may find bytes or the
    /// end of the stream, or until `timeout` has passed; returns whether it may.
    func waitUntilReceivable(within timeout: Duration) -> Bool

    /// Suspends until the next ``receiveNow()`` may find bytes or the end of the stream:
    /// at once when readiness was reported since the last ``receiveNow()`` started.
    func waitUntilReceivable() async throws

    /// Suspends until the transport reports readiness that came after this call
    /// started, or until it is closed. Readiness reported before the call does not
    /// count: a reader that found another reading in its place waits here for news.
    func waitForNewReadiness() async throws
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
