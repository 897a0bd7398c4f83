#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import QMPCore
import QMPSocketSupport
import Synchronization

/// QMP over a Unix domain socket, with file-descriptor passing.
///
/// ```swift
/// let transport = try await UnixSocketTransport.connect(path: "/run/vm1/qmp.sock")
/// try await client.connect(transport)
/// ```
///
/// I/O runs on one shared epoll thread for the whole process (see the module
/// documentation), so thousands of connections cost no thread each.
public final class UnixSocketTransport: FileDescriptorPassingTransport, DirectReadTransport {
    /// The socket path, for messages.
    public let path: String
    private let connection: SocketConnection

    /// The epoll thread: a reader woken by it runs there without waking another thread.
    public var readerExecutor: (any TaskExecutor)? { connection.executor }

    init(path: String, connection: SocketConnection) {
        self.path = path
        self.connection = connection
    }

    /// Connects to a QEMU listening on `path` (`-qmp unix:PATH,server=on,wait=off`).
    ///
    /// A listener whose backlog is full makes a Unix connect fail at once with `EAGAIN`
    /// (where TCP would wait), which happens when many clients connect at the same moment;
    /// such attempts are retried for up to a second, backing off from 1 ms to 50 ms.
    ///
    /// - Throws: ``QMPError/Code/connectionFailed`` naming the path and the OS's
    ///   reason (no such file, connection refused, path too long, a backlog still full
    ///   after the retries, …); ``QMPError/Code/cancelled`` when the task is cancelled first.
    public static func connect(path: String) async throws(QMPError) -> UnixSocketTransport {
        let target = "unix:\(path)"
        var address = try UnixAddress(path: path)
        let deadline = ContinuousClock.now + backlogRetryBudget
        var pause = Duration.milliseconds(1)
        while true {
            let fd = try SocketConnector.makeSocket(family: AF_UNIX, target: target)
            do {
                let connection = try await address.withSockaddr { pointer, length async throws(QMPError) in
                    try await SocketConnector.connect(fd, address: pointer, length: length, target: target)
                }
                return UnixSocketTransport(path: path, connection: connection)
            } catch where error.errno == EAGAIN && ContinuousClock.now + pause < deadline {
                backlogRetries.add(1, ordering: .relaxed)
                do { try await Task.sleep(for: pause) } catch { throw .cancelled("connecting to \(target)") }
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }

    /// How long a connect keeps retrying a full backlog.
    static let backlogRetryBudget = Duration.seconds(1)
    /// Connect attempts retried after `EAGAIN`, for tests to see that a retry happened.
    static let backlogRetries = Atomic<Int>(0)

    /// Writes all of `bytes`, waiting (off the cooperative pool) while the socket buffer is full.
    /// - Throws: ``QMPError/Code/transportFailed`` with the `errno` (`EPIPE` or
    ///   `ECONNRESET` when QEMU went away); ``QMPError/Code/disconnected`` once closed.
    public func send(_ bytes: [UInt8]) async throws {
        try await connection.send(bytes)
    }

    /// Writes `bytes` with `fileDescriptors` attached to the first byte (`SCM_RIGHTS`).
    ///
    /// - Throws: ``QMPError/Code/transportFailed`` (errno `EINVAL`), sending nothing, when
    ///   `bytes` is empty but `fileDescriptors` is not: a stream socket sends no message for
    ///   zero bytes, and Linux would drop the descriptors while reporting success. Also for
    ///   more than 64 descriptors in one call.
    public func send(_ bytes: [UInt8], fileDescriptors: [Int32]) async throws {
        try await connection.send(bytes, fileDescriptors: fileDescriptors)
    }

    /// Writes what the socket takes without waiting (see ``Transport/sendImmediately(_:)``).
    public func sendImmediately(_ bytes: [UInt8]) -> Int {
        connection.sendImmediately(bytes)
    }

    /// The next bytes from the socket, as one read returns them; `nil` at end of
    /// stream or once ``close()`` was called.
    /// - Throws: ``QMPError/Code/transportFailed`` with the `errno` of a failed read.
    public func receive() async throws -> [UInt8]? {
        try await connection.receive()
    }

    /// One read that never waits (see `DirectReadTransport`).
    public func receiveNow() throws -> ReceiveAttempt {
        try connection.receiveNow()
    }

    /// Blocks this thread until the socket may be readable, at most `timeout` (see `DirectReadTransport`).
    public func waitUntilReceivable(within timeout: Duration) -> Bool {
        connection.waitUntilReadable(within: timeout)
    }

    /// How many readiness reports the socket has had (see `DirectReadTransport`).
    public var readinessCount: UInt64 { connection.readinessCount }

    /// Returns once a readiness report after `count` came, or once closed (see `DirectReadTransport`).
    public func waitForReadiness(after count: UInt64) async throws {
        try await connection.waitForReadiness(after: count)
    }

    /// Counts a readiness report of its own, waking the tasks waiting for one (see `DirectReadTransport`).
    public func reportReadiness() {
        connection.reportReadiness()
    }

    /// Stops epoll waking the reader while a caller reads its own reply (see `DirectReadTransport`).
    public func pauseReadinessReports() {
        connection.pauseReadinessReports()
    }

    /// Lets epoll wake the reader again, at once if the socket is readable (see `DirectReadTransport`).
    public func resumeReadinessReports() {
        connection.resumeReadinessReports()
    }

    /// How many ``receive()`` calls wait for bytes now: for tests, to act only once one waits.
    package var waitingReceiveCount: Int { connection.waiterCount(.read) }

    /// Shuts the socket down and closes it: the peer reads end of stream and a pending
    /// ``receive()`` returns `nil`. Idempotent.
    public func close() async {
        connection.close()
    }
}
