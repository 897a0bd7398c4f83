#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import QMPCore
import QMPSocketSupport

/// QMP over TCP, IPv4 or IPv6, with `TCP_NODELAY` (QMP messages are small and latency-bound).
///
/// ```swift
/// let transport = try await TCPTransport.connect(to: HostPort(parsing: "[::1]:4444"))
/// ```
public final class TCPTransport: Transport, DirectReadTransport {
    /// The endpoint connected to, as given to `connect`; for a connection from
    /// ``TCPListener/accept()``, the listener's own endpoint.
    public let endpoint: HostPort
    private let connection: SocketConnection

    /// The epoll thread: a reader woken by it runs there without waking another thread.
    public var readerExecutor: (any TaskExecutor)? { connection.executor }

    init(endpoint: HostPort, connection: SocketConnection) {
        self.endpoint = endpoint
        self.connection = connection
        connection.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
    }

    /// Connects to `host:port`, trying each resolved address in turn.
    ///
    /// - Parameters:
    ///   - host: A host name, or a numeric IPv4 or IPv6 address (without brackets).
    ///   - port: The port QEMU listens on (`-qmp tcp:HOST:PORT,server=on`).
    ///   - timeout: Gives up on the name's lookup, and on each attempt, after this long.
    /// - Throws: ``QMPError/Code/connectionFailed`` naming host:port and the OS's reason,
    ///   ``QMPError/Code/timedOut`` or ``QMPError/Code/cancelled``.
    public static func connect(host: String, port: UInt16, timeout: Duration? = .seconds(30)) async throws(QMPError) -> TCPTransport {
        try await connect(to: HostPort(host: host, port: port), timeout: timeout)
    }

    /// Connects to `endpoint`, as ``connect(host:port:timeout:)`` does.
    ///
    /// ```swift
    /// let transport = try await TCPTransport.connect(to: HostPort(parsing: "localhost:4444"))
    /// try await client.connect(transport)
    /// ```
    ///
    /// - Parameters:
    ///   - endpoint: Where QEMU listens, for example from ``HostPort/init(parsing:)``.
    ///   - timeout: Gives up on the name's lookup, and on each attempt, after this long; `nil` waits as long as the OS does.
    /// - Throws: ``QMPError/Code/connectionFailed`` when the host does not resolve or no
    ///   address accepts (naming the endpoint and the OS's reason), ``QMPError/Code/timedOut``
    ///   when the last address tried timed out, or ``QMPError/Code/cancelled``.
    public static func connect(to endpoint: HostPort, timeout: Duration? = .seconds(30)) async throws(QMPError) -> TCPTransport {
        let addresses = try await withTimeout(timeout, endpoint: endpoint) { () async throws(QMPError) in
            try await Resolver.resolve(endpoint)
        }
        return try await connect(to: endpoint, addresses: addresses, timeout: timeout)
    }

    /// Tries `addresses` in turn: one that refuses or times out (an IPv6 route that goes
    /// nowhere, say) moves on to the next; the last failure is thrown.
    static func connect(to endpoint: HostPort, addresses: [ResolvedAddress], timeout: Duration?) async throws(QMPError) -> TCPTransport {
        var lastError = QMPError(.connectionFailed, "no address for \(endpoint)")
        for address in addresses {
            do {
                let connection = try await withTimeout(timeout, endpoint: endpoint) { () async throws(QMPError) in
                    let fd = try SocketConnector.makeSocket(family: address.family, target: endpoint.description)
                    return try await address.withSockaddr { pointer, length async throws(QMPError) in
                        try await SocketConnector.connect(fd, address: pointer, length: length, target: endpoint.description)
                    }
                }
                return TCPTransport(endpoint: endpoint, connection: connection)
            } catch where error.code == .connectionFailed || error.code == .timedOut {
                lastError = error
            }
        }
        throw lastError
    }

    /// Writes all of `bytes`, waiting (off the cooperative pool) while the socket buffer is full.
    /// - Throws: ``QMPError/Code/transportFailed`` with the `errno` (`EPIPE` or
    ///   `ECONNRESET` when QEMU went away); ``QMPError/Code/disconnected`` once closed.
    public func send(_ bytes: [UInt8]) async throws {
        try await connection.send(bytes)
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

    /// Shuts the socket down and closes it: the peer reads end of stream and a pending
    /// ``receive()`` returns `nil`. Idempotent.
    public func close() async {
        connection.close()
    }
}

/// Runs `body`, cancelling it and throwing ``QMPError/Code/timedOut`` when `timeout` passes.
func withTimeout<T: Sendable>(
    _ timeout: Duration?, endpoint: HostPort,
    _ body: @escaping @Sendable () async throws(QMPError) -> T
) async throws(QMPError) -> T {
    guard let timeout else { return try await body() }
    let result: Result<T, QMPError> = await withTaskGroup(of: Result<T, QMPError>?.self) { group in
        group.addTask {
            do throws(QMPError) { return .success(try await body()) } catch { return .failure(error) }
        }
        group.addTask {
            guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
            return .failure(QMPError(.timedOut, "connecting to \(endpoint) timed out after \(timeout)"))
        }
        var outcome: Result<T, QMPError> = .failure(.cancelled("connecting to \(endpoint)"))
        for await next in group {
            guard let next else { continue }
            outcome = next
            group.cancelAll()
            break
        }
        return outcome
    }
    return try result.get()
}
