#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import QMPCore
import CQMPSystem

/// Creating, connecting, binding and accepting non-blocking sockets.
package enum SocketConnector {
    /// A new non-blocking, close-on-exec socket.
    package static func makeSocket(family: Int32, target: String) throws(QMPError) -> Int32 {
        let fd = cqmp_stream_socket(family)
        guard fd >= 0 else { throw SocketError.connection("creating a socket for", target: target, errno: errno) }
        return fd
    }

    /// Connects `fd` to `address`, waiting for a non-blocking connect to finish.
    /// Takes ownership of `fd`: it is closed on failure.
    package static func connect(
        _ fd: Int32, address: UnsafeRawPointer, length: UInt32, target: String
    ) async throws(QMPError) -> SocketConnection {
        var immediate: Int32 = 0
        var code: Int32 = 0
        repeat {
            immediate = Glibc.connect(fd, address.assumingMemoryBound(to: sockaddr.self), length)
            code = immediate == 0 ? 0 : errno
        } while code == EINTR
        if code != 0 && code != EINPROGRESS {
            _ = Glibc.close(fd)
            throw SocketError.connection("connecting to", target: target, errno: code)
        }
        let connection = try SocketConnection(fd: fd, peer: target)
        if code == EINPROGRESS {
            do {
                try await connection.waitUntilConnected()
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    /// Binds `fd` to `address` and listens. Takes ownership of `fd`: it is closed on failure.
    package static func listen(
        _ fd: Int32, address: UnsafeRawPointer, length: UInt32, target: String
    ) throws(QMPError) -> SocketConnection {
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, address.assumingMemoryBound(to: sockaddr.self), length) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw SocketError.connection("binding", target: target, errno: code)
        }
        guard Glibc.listen(fd, 1024) == 0 else {
            let code = errno
            _ = Glibc.close(fd)
            throw SocketError.connection("listening on", target: target, errno: code)
        }
        return try SocketConnection(fd: fd, peer: target)
    }
}
