#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import QMPCore
import CQMPSystem

/// Bytes with file descriptors attached (`SCM_RIGHTS`) on a Unix stream socket, blocking
/// or not: what ``SocketConnection`` sends with, and what qmp-simulator's recording proxy
/// forwards both ways with. Every send passes `MSG_NOSIGNAL`; every received descriptor
/// is close-on-exec and belongs to the caller.
package enum DescriptorPassing {
    /// The most descriptors one message carries, either way: the shim's control buffer
    /// holds this many (Linux allows 253).
    package static let maxDescriptors = Int(CQMP_MAX_FDS)

    /// Refuses, before anything is sent, a send the kernel would get wrong.
    ///
    /// - Throws: ``QMPError/Code/transportFailed`` with errno EINVAL for descriptors with
    ///   no bytes (a stream socket sends no message for zero bytes, so Linux would drop
    ///   them and report success) and for more than ``maxDescriptors`` descriptors.
    package static func checkSend(byteCount: Int, descriptorCount: Int, peer: String) throws(QMPError) {
        if byteCount == 0 && descriptorCount > 0 {
            throw QMPError(
                .transportFailed,
                "sending \(descriptorCount) file descriptor(s) to \(peer) needs at least one byte of data to carry them (SCM_RIGHTS on a stream socket); nothing was sent",
                errno: EINVAL
            )
        }
        if descriptorCount > maxDescriptors {
            throw QMPError(
                .transportFailed,
                "sending \(descriptorCount) file descriptors to \(peer) at once is more than the \(maxDescriptors) one message carries; nothing was sent",
                errno: EINVAL
            )
        }
    }

    /// One write of `bytes`, with `descriptors` attached when there are any: what send(2)
    /// returns, -1 with errno set on failure. For callers with an errno loop of their own.
    package static func sendOnce(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, descriptors: [Int32]) -> Int {
        if descriptors.isEmpty { return Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
        return descriptors.withUnsafeBufferPointer { fds in
            cqmp_send_with_fds(fd, bytes.baseAddress, UInt(bytes.count), fds.baseAddress, Int32(fds.count))
        }
    }

    /// One read into `buffer` (EINTR retried): how many bytes came, 0 at end of stream,
    /// and the descriptors attached to them.
    ///
    /// - Parameter descriptorCapacity: The most descriptors to take, up to
    ///   ``maxDescriptors``; fewer only for tests of a message that brings more.
    /// - Throws: ``QMPError/Code/transportFailed`` for a failed read, and for a message
    ///   that carried more than `descriptorCapacity` descriptors: the kernel drops what
    ///   does not fit, so the message is refused whole (its bytes are gone from the stream,
    ///   and the descriptors that did arrive are closed) rather than passed on without them.
    package static func receiveOnce(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, peer: String, descriptorCapacity: Int = maxDescriptors
    ) throws(QMPError) -> SyscallResult<(byteCount: Int, descriptors: [Int32])> {
        let capacity = min(max(descriptorCapacity, 0), maxDescriptors)
        var descriptors = [Int32](repeating: -1, count: capacity)
        var count: Int32 = 0
        var truncated: Int32 = 0
        let result = try nonBlockingSyscall("receiving from \(peer)") {
            descriptors.withUnsafeMutableBufferPointer { fds in
                cqmp_receive_with_fds(fd, buffer.baseAddress, UInt(buffer.count), fds.baseAddress, Int32(capacity), &count, &truncated)
            }
        }
        guard case .value(let byteCount) = result else { return .wouldBlock }
        if truncated != 0 {
            throw QMPError(
                .transportFailed,
                "a message from \(peer) carried more than the \(capacity) file descriptors one message takes here; the rest were dropped, so the whole message was discarded"
            )
        }
        return .value((Int(byteCount), Array(descriptors[..<Int(count)])))
    }

    /// Writes all of `bytes`, `descriptors` with the first of them; on a non-blocking
    /// socket it waits in poll(2) while the buffer is full. Blocks: only for threads of
    /// their own, never the cooperative pool.
    ///
    /// - Throws: what ``checkSend(byteCount:descriptorCount:peer:)`` refuses, sending
    ///   nothing; ``QMPError/Code/transportFailed`` with the errno of a failed write.
    package static func blockingSend(_ fd: Int32, _ bytes: [UInt8], descriptors: [Int32], peer: String) throws(QMPError) {
        try checkSend(byteCount: bytes.count, descriptorCount: descriptors.count, peer: peer)
        var offset = 0
        var pending = descriptors
        while offset < bytes.count {
            let result = try nonBlockingSyscall("sending to \(peer)") {
                bytes.withUnsafeBytes { sendOnce(fd, UnsafeRawBufferPointer(rebasing: $0[offset...]), descriptors: pending) }
            }
            switch result {
            case .value(let count):
                offset += count
                pending = []
            case .wouldBlock:
                try waitFor(Int16(POLLOUT), on: fd, peer: peer)
            }
        }
    }

    /// The next bytes (at most `capacity`) and the descriptors attached to them; `nil` at
    /// end of stream. On a non-blocking socket it waits in poll(2). Blocks, as
    /// ``blockingSend(_:_:descriptors:peer:)`` does.
    ///
    /// - Throws: what ``receiveOnce(_:into:peer:)`` throws.
    package static func blockingReceive(
        _ fd: Int32, capacity: Int = 64 * 1024, peer: String
    ) throws(QMPError) -> (bytes: [UInt8], descriptors: [Int32])? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            switch try receiveOnce(fd, into: buffer, peer: peer) {
            case .value(let received):
                guard received.byteCount > 0 else {
                    for descriptor in received.descriptors { _ = close(descriptor) }
                    return nil
                }
                return ([UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<received.byteCount])), received.descriptors)
            case .wouldBlock:
                try waitFor(Int16(POLLIN), on: fd, peer: peer)
            }
        }
    }

    /// Waits until `fd` is ready for `events`, or has failed or hung up (the next call then says so).
    private static func waitFor(_ events: Int16, on fd: Int32, peer: String) throws(QMPError) {
        var request = pollfd(fd: fd, events: events, revents: 0)
        _ = try nonBlockingSyscall("waiting on \(peer)") { poll(&request, 1, -1) }
    }
}
