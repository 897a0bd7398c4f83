/// A transport whose reads can be attempted without waiting.
///
/// A command's round trip to a fast peer (a local simulator, a QMP proxy) takes
/// tens of microseconds; waking the threads that usually carry a reply back to
/// its caller costs about as much again. Over a `PollingTransport` a caller can
/// instead read on its own thread right after sending (``receiveNow()``), and
/// wait for readiness without reading (``waitUntilReceivable()``). The socket
/// transports conform; `QMPClient` itself reads through ``Transport/receive()`` only.
///
/// The contract, beyond ``Transport``'s:
/// - The client never calls ``receiveNow()`` concurrently with itself; it does
///   call it from different tasks and threads, one at a time.
/// - A client that uses ``receiveNow()`` never calls ``Transport/receive()``.
/// - Neither method may block a thread.
public protocol PollingTransport: Transport {
    /// One read attempt that never waits.
    func receiveNow() throws -> ReceiveAttempt

    /// Returns once the next ``receiveNow()`` may find bytes or the end of the
    /// stream; it may return early. After ``Transport/close()`` it returns at once.
    func waitUntilReceivable() async throws
}

/// What one ``PollingTransport/receiveNow()`` found.
public enum ReceiveAttempt: Sendable, Equatable {
    /// Bytes from the peer, of any size, with no regard for message boundaries.
    case bytes([UInt8])
    /// Nothing yet.
    case wouldBlock
    /// The peer closed the stream, or the transport was closed.
    case endOfStream
}
