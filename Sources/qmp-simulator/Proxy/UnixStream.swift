#if canImport(Glibc)
import Glibc
#endif
import CQMPSystem
import QMPCore
import QMPSocketSupport

/// A Unix stream socket for the proxy, which forwards file descriptors (`SCM_RIGHTS`)
/// both ways as well as bytes: the library's transports send them but, being clients,
/// never receive any. Its calls block (the proxy gives each direction a thread), whether
/// the socket does (the one to QEMU) or not (an accepted client's: see ``accept()``).
struct UnixStream: Sendable {
    let fd: Int32
    /// For error messages: `unix:PATH`, or who connected to it.
    let peer: String

    static func connect(path: String) throws(QMPError) -> UnixStream {
        let address = try UnixAddress(path: path)
        let fd = try makeSocket(for: path)
        var result: Int32
        repeat {
            result = address.connect(fd)
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = SocketError.connection("connecting to", target: "unix:\(path)", errno: errno)
            Glibc.close(fd)
            throw error
        }
        return UnixStream(fd: fd, peer: "unix:\(path)")
    }

    /// Listens at `path`, replacing a stale socket file there. The socket is bound under a
    /// temporary name and renamed into place once it listens, so a client that sees the
    /// file can connect (as the library's listener does).
    static func listen(path: String) throws(QMPError) -> UnixStream {
        let temporary = path + ".tmp-\(getpid())"
        let address = try UnixAddress(path: temporary)
        _ = try UnixAddress(path: path)
        let fd = try makeSocket(for: path)
        unlink(temporary)
        let bound = address.bind(fd)
        guard bound == 0, Glibc.listen(fd, 16) == 0, rename(temporary, path) == 0 else {
            let error = SocketError.connection("listening on", target: "unix:\(path)", errno: errno)
            Glibc.close(fd)
            unlink(temporary)
            throw error
        }
        return UnixStream(fd: fd, peer: "unix:\(path)")
    }

    /// A blocking, close-on-exec Unix stream socket.
    private static func makeSocket(for path: String) throws(QMPError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.connection("creating a socket for", target: "unix:\(path)", errno: errno) }
        return fd
    }

    /// The next client. Its socket is non-blocking and close-on-exec from the start
    /// (accept4), which ``DescriptorPassing``'s blocking calls wait on with poll(2).
    func accept() throws(QMPError) -> UnixStream {
        let attempt = try nonBlockingSyscall("accepting on \(peer)") { cqmp_accept_nonblocking(fd, nil, nil) }
        guard case .value(let client) = attempt else {
            // The listening socket blocks, so accept4 waits rather than report EAGAIN.
            throw SocketError.transport("accepting on \(peer)", errno: EAGAIN)
        }
        return UnixStream(fd: client, peer: "the client of \(peer)")
    }

    /// The next bytes and the descriptors that came with them; `nil` at end of stream.
    /// The caller owns (and closes) the descriptors.
    func receive() throws(QMPError) -> (bytes: [UInt8], descriptors: [Int32])? {
        try DescriptorPassing.blockingReceive(fd, peer: peer)
    }

    /// Writes all of `bytes`, `descriptors` attached to the first write.
    func send(_ bytes: [UInt8], descriptors: [Int32] = []) throws(QMPError) {
        try DescriptorPassing.blockingSend(fd, bytes, descriptors: descriptors, peer: peer)
    }

    /// No more bytes this way; the other way stays open.
    func shutdownWrites() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
