#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import QMPCore
import QMPSocketSupport

/// Listens on a Unix socket path for QEMU to connect (QEMU started with
/// `-qmp unix:PATH` in client mode), or for clients of a simulated QEMU.
///
/// ```swift
/// let listener = try await UnixSocketListener.listen(path: path)
/// // start QEMU with -qmp unix:PATH
/// let transport = try await listener.accept()
/// await listener.close()      // also removes the socket file
/// ```
public final class UnixSocketListener: Sendable {
    /// The socket file's path, as given to ``listen(path:)``; ``close()`` removes the file.
    public let path: String
    private let socket: SocketConnection

    private init(path: String, socket: SocketConnection) {
        self.path = path
        self.socket = socket
    }

    /// Binds `path` and listens. A stale socket file at `path` is replaced.
    ///
    /// The socket is bound under a temporary name and renamed into place once it
    /// listens, so whoever sees the file at `path` can connect to it at once
    /// (QEMU in client mode gives up on a refused connection).
    public static func listen(path: String) async throws(QMPError) -> UnixSocketListener {
        _ = try UnixAddress(path: path)
        var status = stat()
        if lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFSOCK { unlink(path) }
        let directoryEnd = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let staging = String(path[..<directoryEnd]) + ".qmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let bindPath = (try? UnixAddress(path: staging)) == nil ? path : staging
        var address = try UnixAddress(path: bindPath)
        let fd = try SocketConnector.makeSocket(family: AF_UNIX, target: "unix:\(path)")
        let socket = try await address.withSockaddr { pointer, length async throws(QMPError) in
            try SocketConnector.listen(fd, address: pointer, length: length, target: "unix:\(path)")
        }
        if bindPath != path && rename(bindPath, path) != 0 {
            let code = errno
            socket.close()
            unlink(bindPath)
            throw SocketError.connection("moving the listening socket into place at", target: path, errno: code)
        }
        return UnixSocketListener(path: path, socket: socket)
    }

    /// Waits for the next connection. Cancellable.
    public func accept() async throws(QMPError) -> UnixSocketTransport {
        let connection = try await socket.accept(peerName: "unix:\(path) (accepted)")
        return UnixSocketTransport(path: path, connection: connection)
    }

    /// How many ``accept()`` calls wait for a connection now: for tests, to connect only once they all wait.
    package var waitingAcceptCount: Int { socket.waiterCount(.read) }

    /// Stops listening and removes the socket file. Idempotent; a pending accept fails.
    public func close() async {
        socket.close()
        unlink(path)
    }
}
