#if canImport(Glibc)
import Glibc
#endif

/// A blocking Unix stream socket for the proxy, which forwards file descriptors
/// (`SCM_RIGHTS`) as well as bytes: the library's transports send them but, being
/// clients, never receive any.
struct UnixStream: Sendable {
    let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The most descriptors one message carries here, as in the library (Linux allows 253).
    static let maxDescriptors = 64

    static func address(_ path: String) throws(Failure) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { throw Failure(description: "unix socket path '\(path)' is empty or too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return address
    }

    static func connect(path: String) throws(Failure) -> UnixStream {
        var address = try self.address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = failure("connect to unix:\(path)")
            Glibc.close(fd)
            throw error
        }
        return UnixStream(fd: fd)
    }

    /// Listens at `path`, replacing a stale socket file there. The socket is bound under a
    /// temporary name and renamed into place once it listens, so a client that sees the
    /// file can connect (as the library's listener does).
    static func listen(path: String) throws(Failure) -> UnixStream {
        let temporary = path + ".tmp-\(getpid())"
        var address = try self.address(temporary)
        _ = try self.address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        unlink(temporary)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0, rename(temporary, path) == 0 else {
            let error = failure("listen on unix:\(path)")
            Glibc.close(fd)
            unlink(temporary)
            throw error
        }
        return UnixStream(fd: fd)
    }

    func accept() throws(Failure) -> UnixStream {
        while true {
            // accept4 is not in Swift's Glibc module; the simulator starts no processes
            // that could inherit the descriptor before FD_CLOEXEC is set.
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 {
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                return UnixStream(fd: client)
            }
            if errno != EINTR { throw Self.failure("accept") }
        }
    }

    /// The next bytes and the descriptors that came with them; `nil` at end of stream.
    /// The caller owns (and closes) the descriptors.
    func receive() throws(Failure) -> (bytes: [UInt8], descriptors: [Int32])? {
        var bytes = [UInt8](repeating: 0, count: 65536)
        let header = MemoryLayout<cmsghdr>.size
        let align = MemoryLayout<Int>.size
        let space = header + Self.maxDescriptors * MemoryLayout<Int32>.size + align
        var control = [UInt8](repeating: 0, count: space)
        while true {
            let result: (count: Int, controlLength: Int) = bytes.withUnsafeMutableBytes { data in
                control.withUnsafeMutableBytes { control in
                    var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                    return withUnsafeMutablePointer(to: &vector) { vector in
                        var message = msghdr()
                        message.msg_iov = vector
                        message.msg_iovlen = 1
                        message.msg_control = control.baseAddress
                        message.msg_controllen = control.count
                        let count = recvmsg(fd, &message, Int32(MSG_CMSG_CLOEXEC))
                        return (count, Int(message.msg_controllen))
                    }
                }
            }
            if result.count < 0 && errno == EINTR { continue }
            if result.count < 0 { throw Self.failure("receive") }
            if result.count == 0 { return nil }
            return (Array(bytes[..<result.count]), Self.descriptors(in: control[..<result.controlLength], header: header, align: align))
        }
    }

    /// Walks the control messages as CMSG_FIRSTHDR and CMSG_NXTHDR do: a `cmsghdr`, its
    /// data, padding to the alignment of `size_t`.
    private static func descriptors(in control: ArraySlice<UInt8>, header: Int, align: Int) -> [Int32] {
        var descriptors: [Int32] = []
        var offset = control.startIndex
        while offset + header <= control.endIndex {
            let length = control[offset..<(offset + header)].withUnsafeBytes { $0.loadUnaligned(as: cmsghdr.self) }
            let total = Int(length.cmsg_len)
            guard total >= header, offset + total <= control.endIndex else { break }
            if length.cmsg_level == SOL_SOCKET && length.cmsg_type == Int32(SCM_RIGHTS) {
                let data = control[(offset + header)..<(offset + total)]
                let count = data.count / MemoryLayout<Int32>.size
                for index in 0..<count {
                    let start = data.startIndex + index * MemoryLayout<Int32>.size
                    descriptors.append(data[start..<(start + 4)].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
                }
            }
            offset += (total + align - 1) / align * align
        }
        return descriptors
    }

    /// Writes all of `bytes`, `descriptors` attached to the first write.
    func send(_ bytes: [UInt8], descriptors: [Int32] = []) throws(Failure) {
        var offset = 0
        var pending = descriptors
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { data in
                pending.isEmpty ? Glibc.send(fd, data.baseAddress, data.count, Int32(MSG_NOSIGNAL)) : Self.sendmsg(fd, data, pending)
            }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { throw Self.failure("send") }
            pending = []
            offset += sent
        }
    }

    private static func sendmsg(_ fd: Int32, _ data: UnsafeRawBufferPointer, _ descriptors: [Int32]) -> Int {
        let header = MemoryLayout<cmsghdr>.size
        let length = header + descriptors.count * MemoryLayout<Int32>.size
        let align = MemoryLayout<Int>.size
        var control = [UInt8](repeating: 0, count: (length + align - 1) / align * align)
        control.withUnsafeMutableBytes { control in
            var message = cmsghdr()
            message.cmsg_len = length
            message.cmsg_level = SOL_SOCKET
            message.cmsg_type = Int32(SCM_RIGHTS)
            control.storeBytes(of: message, as: cmsghdr.self)
            for (index, descriptor) in descriptors.enumerated() {
                control.storeBytes(of: descriptor, toByteOffset: header + index * 4, as: Int32.self)
            }
        }
        return control.withUnsafeMutableBytes { control in
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
            return withUnsafeMutablePointer(to: &vector) { vector in
                var message = msghdr()
                message.msg_iov = vector
                message.msg_iovlen = 1
                message.msg_control = control.baseAddress
                message.msg_controllen = control.count
                return Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
            }
        }
    }

    /// No more bytes this way; the other way stays open.
    func shutdownWrites() {
        _ = shutdown(fd, Int32(SHUT_WR))
    }

    func close() {
        _ = Glibc.close(fd)
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
