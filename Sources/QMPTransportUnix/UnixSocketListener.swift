#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import QMPCore
import QMPSocketSupport
import Synchronization

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
    /// The socket file's device and inode once in place: ``close()`` removes the file at
    /// `path` only while it is still this one, so as not to remove a later listener's.
    private let file: (device: UInt64, inode: UInt64)?
    private let isClosed = Atomic<Bool>(false)

    private init(path: String, socket: SocketConnection) {
        self.path = path
        self.socket = socket
        self.file = Self.socketFile(at: path)
    }

    /// The device and inode of the socket file at `path`, if one is there.
    private static func socketFile(at path: String) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFSOCK else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }

    /// Binds `path` and listens. A stale socket file at `path` is replaced.
    ///
    /// - Throws: ``QMPError/Code/connectionFailed`` with `EADDRINUSE` when something other
    ///   than a socket is at `path`: it is never replaced.
    ///
    /// The socket is bound under a temporary name and renamed into place once it
    /// listens, so whoever sees the file at `path` can connect to it at once
    /// (QEMU in client mode gives up on a refused connection).
    public static func listen(path: String) async throws(QMPError) -> UnixSocketListener {
        _ = try UnixAddress(path: path)
        var status = stat()
        if lstat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFSOCK else {
                throw QMPError(
                    .connectionFailed, "listening on \(path) failed: a file that is not a socket is there, and it is not replaced",
                    errno: EADDRINUSE
                )
            }
            unlink(path)
        }
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

    /// Stops listening and removes the socket file, unless another has replaced it since.
    /// Idempotent; a pending accept fails.
    public func close() async {
        socket.close()
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing), let file,
              let current = Self.socketFile(at: path), current == file else { return }
        unlink(path)
    }
}
