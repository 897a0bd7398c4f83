/// The byte stream a QMP session runs over.
///
/// Implement this to carry QMP over anything: a serial port, a WebSocket, an
/// in-memory pipe. The client does all framing and parsing; a transport only
/// moves bytes. The contract:
///
/// - The client never calls ``send(_:)`` concurrently with itself, nor
///   ``receive()`` concurrently with itself, but it does call the two
///   concurrently with each other: reading must go on while a write waits,
///   because QEMU may flood replies while the client is still sending.
/// - ``send(_:)`` returns once every byte has been handed to the peer (or
///   buffered for it); each call carries one or more complete messages,
///   except that after ``sendImmediately(_:)`` wrote part of a message the
///   next ``send(_:)`` starts with the rest of it.
/// - ``sendImmediately(_:)`` is optional; it is never called concurrently
///   with ``send(_:)`` or with itself.
/// - ``receive()`` returns the next chunk of bytes as it arrives, of any size
///   and with no regard for message boundaries, and `nil` at end of stream.
/// - ``close()`` is idempotent, and makes a pending ``receive()`` return `nil`
///   or throw promptly.
/// - Blocking system calls must not run on Swift's cooperative thread pool.
///
/// A complete in-memory transport fits in a few lines. An actor keeps the
/// stream's iterator, which is not `Sendable`:
///
/// ```swift
/// import QMPCore
///
/// /// One end of an in-memory connection; `pair()` makes two connected ends.
/// actor PipeTransport: Transport {
///     private var incoming: AsyncStream<[UInt8]>.Iterator
///     private let incomingEnd: AsyncStream<[UInt8]>.Continuation
///     private let outgoing: AsyncStream<[UInt8]>.Continuation
///
///     private init(
///         _ incoming: AsyncStream<[UInt8]>,
///         _ incomingEnd: AsyncStream<[UInt8]>.Continuation,
///         _ outgoing: AsyncStream<[UInt8]>.Continuation
///     ) {
///         self.incoming = incoming.makeAsyncIterator()
///         self.incomingEnd = incomingEnd
///         self.outgoing = outgoing
///     }
///
///     /// Two ends: what one sends, the other receives.
///     static func pair() -> (PipeTransport, PipeTransport) {
///         let (aToB, aToBEnd) = AsyncStream.makeStream(of: [UInt8].self)
///         let (bToA, bToAEnd) = AsyncStream.makeStream(of: [UInt8].self)
///         return (PipeTransport(bToA, bToAEnd, aToBEnd), PipeTransport(aToB, aToBEnd, bToAEnd))
///     }
///
///     func send(_ bytes: [UInt8]) async throws {
///         guard case .enqueued = outgoing.yield(bytes) else {
///             throw QMPError(.disconnected, "the other end of the pipe is closed")
///         }
///     }
///
///     func receive() async throws -> [UInt8]? {
///         // Copies of the iterator share its state, so a local copy can wait
///         // (an actor's property cannot be passed inout across a suspension).
///         var iterator = incoming
///         return await iterator.next(isolation: self)
///     }
///
///     func close() async {
///         outgoing.finish()
///         incomingEnd.finish()
///     }
/// }
/// ```
///
/// Hand one end to `QMPClient.connect(_:)` and the other to whatever plays
/// QEMU, such as `SimulatedQEMU.serve(_:)` from `QMPMock`.
public protocol Transport: Sendable {
    /// Writes `bytes` in full.
    func send(_ bytes: [UInt8]) async throws
    /// Waits for the next bytes from the peer; `nil` at end of stream.
    func receive() async throws -> [UInt8]?
    /// Closes the connection. Idempotent.
    func close() async
    /// Writes as much of `bytes` as the peer takes right now, without waiting;
    /// returns how many bytes were written, from the front.
    ///
    /// The client calls this from the task that issues a command when no other
    /// command is in flight and no write is in progress, so a lone command goes
    /// out without waking the client's writer task: on a fast local socket that
    /// wakeup is a large part of a round trip. (Pipelined commands go through
    /// ``send(_:)`` in batches instead.) Whatever is not written (a full socket buffer, an
    /// error) goes to ``send(_:)`` on the writer task, which waits and reports
    /// errors as usual, so this method need not report any.
    ///
    /// It runs on Swift's cooperative pool and must never block. The default
    /// writes nothing and returns 0, which is always correct.
    func sendImmediately(_ bytes: [UInt8]) -> Int

    /// Where the client's reader task should run: the thread that learns the transport
    /// has bytes, if it can run tasks, so that reading a reply wakes no second thread.
    ///
    /// The socket transports return their epoll thread (so event predicates and the
    /// trace handler run there and must not block). The default, `nil`, runs the
    /// reader on the global executor.
    var readerExecutor: (any TaskExecutor)? { get }
}

extension Transport {
    /// Writes nothing: every write goes through ``send(_:)``.
    public func sendImmediately(_ bytes: [UInt8]) -> Int { 0 }

    /// `nil`: the reader task runs on the global executor.
    public var readerExecutor: (any TaskExecutor)? { nil }
}

/// A transport that can pass open file descriptors with a message, as QEMU's
/// `getfd` and `add-fd` commands expect over a Unix socket (`SCM_RIGHTS`).
public protocol FileDescriptorPassingTransport: Transport {
    /// Writes `bytes` in full, attaching `fileDescriptors` to the first byte.
    ///
    /// The descriptors are duplicated into the peer; the caller still owns
    /// (and should close) its own copies.
    func send(_ bytes: [UInt8], fileDescriptors: [Int32]) async throws
}
