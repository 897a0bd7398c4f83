#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import QMPCore
import CQMPSystem
import Synchronization

/// A connected, non-blocking stream socket driven by the shared ``Reactor``.
///
/// Receiving and sending wait on separate readiness, so a peer that floods us
/// while we write cannot deadlock the connection. The fd is closed once, after
/// it has been removed from epoll and every waiter has been failed.
package final class SocketConnection: Sendable {
    /// For error messages: the path or host:port.
    package let peer: String
    private let fd: Int32
    private let watch: Reactor.Watch
    private let reactor: Reactor

    /// The epoll thread serving this socket, as an executor for tasks that wait on it.
    package var executor: any TaskExecutor { reactor }
    /// Guards the fd's lifetime: it is closed only when no system call is using it,
    /// so a concurrent `close()` can never make a read hit a reused fd number.
    private let lifetime = Lock<(isClosed: Bool, inFlight: Int, fdClosed: Bool)>((false, 0, false))
    private static let chunkSize = 64 * 1024
    /// Where reads land before their bytes are copied out at their actual size: a fresh
    /// 64 KiB array per read cost more than a short reply. Allocated on the first read;
    /// the lock only serialises reads, which callers already do.
    private let readBuffer = Lock(ReadBuffer())
    /// The most descriptors one ``send(_:fileDescriptors:)`` takes.
    package static let maxDescriptorsPerSend = DescriptorPassing.maxDescriptors
    private let injectedErrno: (@Sendable (Reactor.Direction) -> Int32?)?

    /// Takes ownership of the connected socket `fd`.
    ///
    /// - Parameters:
    ///   - reactor: The epoll thread to use; ``Reactor/shared`` unless a test brings its own.
    ///   - injectedErrno: A test seam. Called before each read and write; an errno it
    ///     returns stands in for that call failing with it (EINTR, EAGAIN storms).
    package init(
        fd: Int32, peer: String, reactor: Reactor? = nil,
        injectedErrno: (@Sendable (Reactor.Direction) -> Int32?)? = nil
    ) throws(QMPError) {
        self.injectedErrno = injectedErrno
        setNonBlocking(fd)
        let chosen: Reactor
        do {
            if let reactor { chosen = reactor } else { chosen = try Reactor.get() }
            watch = try chosen.register(fd)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        self.reactor = chosen
        self.fd = fd
        self.peer = peer
    }

    deinit {
        // Nothing can be in flight once the last reference is gone, so a closed
        // connection's fd is already closed and an open one's is still ours.
        if !lifetime.withLock({ $0.isClosed }) {
            watch.unregister()
            reactor.forget(watch, error: SocketError.closed(peer))
            _ = Glibc.close(fd)
        }
    }

    /// Runs `body` with the fd, unless the connection is closed (then `nil`).
    private func withFD<Value>(_ body: (Int32) throws(QMPError) -> Value) throws(QMPError) -> Value? {
        let open = lifetime.withLock { state in
            guard !state.isClosed else { return false }
            state.inFlight += 1
            return true
        }
        guard open else { return nil }
        defer {
            let closeNow = lifetime.withLock { state in
                state.inFlight -= 1
                guard state.isClosed && state.inFlight == 0 && !state.fdClosed else { return false }
                state.fdClosed = true
                return true
            }
            if closeNow { _ = Glibc.close(fd) }
        }
        return try body(fd)
    }

    /// The next bytes from the peer; `nil` at end of stream or once closed.
    package func receive() async throws(QMPError) -> [UInt8]? {
        while true {
            // Before the read: readiness reported after it ends the wait at once.
            let seen = readinessCount
            switch try receiveNow() {
            case .bytes(let bytes): return bytes
            case .endOfStream: return nil
            case .wouldBlock: try await waitForReadiness(after: seen)
            }
        }
    }

    /// One read that never waits; `.endOfStream` also once closed.
    package func receiveNow() throws(QMPError) -> ReceiveAttempt {
        try readBuffer.withLock { readBuffer throws(QMPError) in
            let buffer = readBuffer.storage(size: Self.chunkSize)
            let outcome = try withFD { fd throws(QMPError) in
                try nonBlockingSyscall("reading from \(peer)") {
                    injectedFailure(.read) ?? read(fd, buffer.baseAddress, buffer.count)
                }
            }
            switch outcome {
            case nil, .value(0)?: return .endOfStream
            case .value(let count)?: return .bytes([UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<count])))
            case .wouldBlock?: return .wouldBlock
            }
        }
    }

    /// Blocks the calling thread until the socket may be readable, for at most `timeout`
    /// (see `DirectReadTransport`); `true` at once once it is closed.
    package func waitUntilReadable(within timeout: Duration) -> Bool {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = max(0, seconds) &* 1_000_000_000 &+ max(0, attoseconds) / 1_000_000_000
        let ready = try? withFD { fd throws(QMPError) in cqmp_wait_readable(fd, nanoseconds) }
        // Closed (nil) or failed (-1): the next read reports it.
        return ready != 0
    }

    /// How many read readiness reports the socket has had (see `DirectReadTransport`).
    package var readinessCount: UInt64 { watch.generation(.read) }

    /// Returns once a read readiness report after `count` came, or at once once the socket is
    /// closed (the next ``receiveNow()`` then reports the end of the stream).
    package func waitForReadiness(after count: UInt64) async throws(QMPError) {
        do {
            try await reactor.wait(for: .read, on: watch, after: count)
        } catch where error.code == .disconnected {
            return
        }
    }

    /// Counts a read readiness report of its own and wakes the tasks waiting for one.
    package func reportReadiness() {
        watch.report(.read)
    }

    /// Stops reporting read readiness until ``resumeReadinessReports()`` (see `DirectReadTransport`).
    package func pauseReadinessReports() {
        watch.pauseReadReports()
    }

    /// Reports read readiness again, at once if the socket is readable (see `DirectReadTransport`).
    package func resumeReadinessReports() {
        watch.resumeReadReports()
    }

    /// Writes all of `bytes`, waiting whenever the socket buffer is full.
    package func send(_ bytes: [UInt8]) async throws(QMPError) {
        try await send(bytes, fileDescriptors: [])
    }

    /// Writes all of `bytes`; `fileDescriptors` travel with the first byte (SCM_RIGHTS).
    ///
    /// - Throws: ``QMPError/Code/transportFailed`` with errno EINVAL, before sending
    ///   anything, for descriptors with no bytes or for more than ``maxDescriptorsPerSend``
    ///   (see ``DescriptorPassing/checkSend(byteCount:descriptorCount:peer:)``).
    package func send(_ bytes: [UInt8], fileDescriptors: [Int32]) async throws(QMPError) {
        try DescriptorPassing.checkSend(byteCount: bytes.count, descriptorCount: fileDescriptors.count, peer: peer)
        var offset = 0
        var descriptors = fileDescriptors
        while offset < bytes.count {
            // Before the write, so readiness reported between its EAGAIN and the wait is not lost.
            let seen = watch.generation(.write)
            let attempt = try withFD { fd throws(QMPError) in try nonBlockingSyscall("writing to \(peer)") {
                if let failed = injectedFailure(.write) { return failed }
                return bytes.withUnsafeBytes {
                    DescriptorPassing.sendOnce(fd, UnsafeRawBufferPointer(rebasing: $0[offset...]), descriptors: descriptors)
                }
            } }
            guard let result = attempt else { throw SocketError.closed(peer) }
            switch result {
            case .value(let count):
                offset += count
                descriptors = []
            case .wouldBlock:
                try await reactor.wait(for: .write, on: watch, after: seen)
            }
        }
    }

    /// One non-blocking write attempt; returns the bytes written, 0 when the
    /// socket buffer is full, the connection is closed, or the write failed.
    ///
    /// Failures are not reported here: the caller hands the unwritten rest to
    /// ``send(_:)``, which hits the same failure and reports it.
    package func sendImmediately(_ bytes: [UInt8]) -> Int {
        guard !bytes.isEmpty else { return 0 }
        let attempt = try? withFD { fd throws(QMPError) in
            try nonBlockingSyscall("writing to \(peer)") {
                injectedFailure(.write) ?? bytes.withUnsafeBytes { DescriptorPassing.sendOnce(fd, $0, descriptors: []) }
            }
        }
        guard case .value(let count)? = attempt else { return 0 }
        return count
    }

    /// -1 with errno set when the test seam fails this call; `nil` to make the real one.
    private func injectedFailure(_ direction: Reactor.Direction) -> Int? {
        guard let code = injectedErrno?(direction) else { return nil }
        errno = code
        return -1
    }

    /// Closes the socket; a pending ``receive()`` returns `nil`. Idempotent.
    package func close() {
        let closeNow = lifetime.withLock { state in
            guard !state.isClosed else { return false }
            state.isClosed = true
            // Shut down first so the peer sees EOF even if a duplicate of the fd lives on.
            // The fd is still open here: only a call after `isClosed` may close it. So epoll
            // forgets it here too, not after the lock, when an in-flight call may already have
            // closed it and a new socket may own the number (see `Reactor.Watch.unregister`).
            _ = shutdown(fd, Int32(SHUT_RDWR))
            watch.unregister()
            guard state.inFlight == 0 else { return false }
            state.fdClosed = true
            return true
        }
        reactor.forget(watch, error: QMPError(.disconnected, "the connection to \(peer) was closed"))
        if closeNow { _ = Glibc.close(fd) }
    }
}

extension SocketConnection {
    /// Waits until a non-blocking connect finishes; throws its error (SO_ERROR).
    package func waitUntilConnected() async throws(QMPError) {
        while true {
            // Check first, then wait: a connect that finished before the socket was
            // registered needs no wait, and the generation read first catches one
            // that finishes between the check and the wait.
            let seen = watch.generation(.write)
            let code: Int32? = try withFD { fd throws(QMPError) in
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return errno }
                return error
            }
            guard let code else { throw SocketError.closed(peer) }
            if code == 0 {
                // A connected socket reports writable; check that it really is connected.
                let connected = try withFD { fd throws(QMPError) -> Bool in
                    var address = sockaddr_storage()
                    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                    return withUnsafeMutablePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
                    }
                }
                if connected == true { return }
            } else if code != EINPROGRESS && code != EALREADY {
                throw SocketError.connection("connecting to", target: peer, errno: code)
            }
            try await reactor.wait(for: .write, on: watch, after: seen)
        }
    }

    /// Accepts one connection on this listening socket.
    package func accept(peerName: String) async throws(QMPError) -> SocketConnection {
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            // Before the accept: concurrent accepts all wake on each report, and one that
            // lands between this accept's EAGAIN and its wait is caught by the count.
            let seen = watch.generation(.read)
            let attempt: SyscallResult<Int32>?
            do {
                attempt = try withFD { fd throws(QMPError) in
                    try nonBlockingSyscall("accepting on \(peer)") {
                        withUnsafeMutablePointer(to: &address) {
                            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                                cqmp_accept_nonblocking(fd, $0, &length)
                            }
                        }
                    }
                }
            } catch where error.errno == ECONNABORTED || error.errno == EPROTO {
                // That connection failed before it was taken; the listener is fine (accept(2)).
                continue
            }
            guard let result = attempt else { throw SocketError.closed(peer) }
            switch result {
            case .value(let client):
                return try SocketConnection(fd: client, peer: peerName)
            case .wouldBlock:
                try await reactor.wait(for: .read, on: watch, after: seen)
            }
        }
    }

    /// How many tasks wait for `direction` of this socket: for tests, to act only once they all wait.
    package func waiterCount(_ direction: Reactor.Direction) -> Int {
        watch.waiterCount(direction)
    }

    /// Sets an integer socket option, e.g. TCP_NODELAY.
    package func setOption(level: Int32, name: Int32, value: Int32) {
        _ = try? withFD { fd throws(QMPError) in
            var value = value
            _ = setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }
}

extension SocketConnection {
    /// The local port of a bound IPv4 or IPv6 socket.
    package var localPort: UInt16? {
        (try? withFD { fd throws(QMPError) -> UInt16? in
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
            }
            guard ok else { return nil }
            return withUnsafePointer(to: &address) { pointer in
                switch Int32(pointer.pointee.ss_family) {
                case AF_INET:
                    return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                case AF_INET6:
                    return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                default:
                    return nil
                }
            }
        }) ?? nil
    }
}

/// A connection's read buffer: uninitialised (zero-filling 64 KiB per read showed up in
/// profiles), allocated on first use and freed with the connection.
private struct ReadBuffer: ~Copyable {
    private var buffer: UnsafeMutableRawBufferPointer?

    mutating func storage(size: Int) -> UnsafeMutableRawBufferPointer {
        if let buffer { return buffer }
        let allocated = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        buffer = allocated
        return allocated
    }

    deinit { buffer?.deallocate() }
}
