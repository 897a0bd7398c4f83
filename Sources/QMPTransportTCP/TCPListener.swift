#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import QMPCore
import QMPSocketSupport

/// Listens for TCP connections: QEMU started with `-qmp tcp:HOST:PORT` (client
/// mode), or clients of a simulated QEMU.
public final class TCPListener: Sendable {
    /// The bound endpoint; with port 0 requested, the port the OS chose.
    public let endpoint: HostPort
    private let socket: SocketConnection

    private init(endpoint: HostPort, socket: SocketConnection) {
        self.endpoint = endpoint
        self.socket = socket
    }

    /// Binds `host:port` (port 0 picks a free one) and listens.
    public static func listen(host: String = "127.0.0.1", port: UInt16 = 0) async throws(QMPError) -> TCPListener {
        let requested = HostPort(host: host, port: port)
        guard let address = try await Resolver.resolve(requested, passive: true).first else {
            throw QMPError(.connectionFailed, "no address to listen on for \(requested)")
        }
        let fd = try SocketConnector.makeSocket(family: address.family, target: requested.description)
        let socket = try await address.withSockaddr { pointer, length async throws(QMPError) in
            try SocketConnector.listen(fd, address: pointer, length: length, target: requested.description)
        }
        return TCPListener(endpoint: HostPort(host: host, port: socket.localPort ?? port), socket: socket)
    }

    /// Waits for the next connection. Cancellable.
    public func accept() async throws(QMPError) -> TCPTransport {
        let connection = try await socket.accept(peerName: "client of \(endpoint)")
        return TCPTransport(endpoint: endpoint, connection: connection)
    }

    /// How many ``accept()`` calls wait for a connection now: for tests, to connect only once they all wait.
    package var waitingAcceptCount: Int { socket.waiterCount(.read) }

    /// Stops listening. Idempotent; a pending accept fails.
    public func close() async {
        socket.close()
    }
}
