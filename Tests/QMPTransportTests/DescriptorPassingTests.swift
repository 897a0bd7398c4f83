import Foundation
import QMPCore
import QMPSocketSupport
import QMPTestSupport
import QMPTransportUnix
import Testing

/// File descriptors sent with `send(_:fileDescriptors:)` (SCM_RIGHTS) either reach
/// the peer or make the send throw; they never vanish silently.
@Suite("File descriptor passing", .serialized, .timeLimit(.minutes(1)))
struct DescriptorPassingTests {
    /// One message from the blocking socket `fd`: its bytes and the descriptors attached to it.
    ///
    /// Parses the control data by hand, since Swift cannot call the CMSG macros:
    /// one `cmsghdr`, then its data at the header size rounded up to `size_t`.
    private func receiveWithDescriptors(_ fd: Int32) -> (bytes: [UInt8], descriptors: [Int32]) {
        var bytes = [UInt8](repeating: 0, count: 64)
        let controlSize = 1024
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlSize, alignment: MemoryLayout<cmsghdr>.alignment)
        defer { control.deallocate() }
        let (count, controlLength) = bytes.withUnsafeMutableBytes { buffer -> (Int, Int) in
            var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            return withUnsafeMutablePointer(to: &vector) { vector in
                var message = msghdr()
                message.msg_iov = vector
                message.msg_iovlen = 1
                message.msg_control = control
                message.msg_controllen = controlSize
                let count = recvmsg(fd, &message, 0)
                return (count, Int(message.msg_controllen))
            }
        }
        guard count >= 0 else { return ([], []) }
        guard controlLength >= MemoryLayout<cmsghdr>.size else { return (Array(bytes[..<count]), []) }
        let header = control.load(as: cmsghdr.self)
        guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) else { return (Array(bytes[..<count]), []) }
        let alignment = MemoryLayout<Int>.size
        let dataOffset = (MemoryLayout<cmsghdr>.size + alignment - 1) / alignment * alignment
        let descriptorCount = (Int(header.cmsg_len) - dataOffset) / MemoryLayout<Int32>.size
        let descriptors = (0..<descriptorCount).map {
            control.loadUnaligned(fromByteOffset: dataOffset + $0 * MemoryLayout<Int32>.size, as: Int32.self)
        }
        return (Array(bytes[..<count]), descriptors)
    }

    /// Whether `a` and `b` are the same open file (device and inode).
    private func sameFile(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat()
        var second = stat()
        guard fstat(a, &first) == 0, fstat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private func makeTemporaryFile() throws -> (fd: Int32, directory: String) {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        let fd = open(directory + "/passed.txt", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        return (fd, directory)
    }

    @Test("descriptors with bytes reach the peer")
    func descriptorsWithBytesArrive() async throws {
        let (file, directory) = try makeTemporaryFile()
        defer {
            close(file)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let (mine, peer) = try makeSocketPair()
        defer { close(peer) }
        let connection = try SocketConnection(fd: mine, peer: "pair")
        defer { connection.close() }
        let pipeEnds = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        defer { pipeEnds.deallocate() }
        #expect(pipe(pipeEnds) == 0)
        defer {
            close(pipeEnds[0])
            close(pipeEnds[1])
        }

        try await connection.send(Array("{}\n".utf8), fileDescriptors: [file, pipeEnds[1]])
        let (bytes, descriptors) = receiveWithDescriptors(peer)
        defer { for descriptor in descriptors { close(descriptor) } }
        #expect(bytes == Array("{}\n".utf8))
        #expect(descriptors.count == 2)
        if descriptors.count == 2 {
            #expect(sameFile(descriptors[0], file))
            #expect(sameFile(descriptors[1], pipeEnds[1]))
        }
    }

    @Test("descriptors with no bytes throw instead of vanishing")
    func descriptorsWithoutBytesThrow() async throws {
        let (file, directory) = try makeTemporaryFile()
        defer {
            close(file)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let (mine, peer) = try makeSocketPair()
        defer { close(peer) }
        let connection = try SocketConnection(fd: mine, peer: "pair")
        defer { connection.close() }
        do {
            try await connection.send([], fileDescriptors: [file])
            Issue.record("sending descriptors with no bytes reported success")
        } catch {
            #expect(error.code == .transportFailed)
            #expect(error.errno == EINVAL)
            #expect(error.message.contains("at least one byte"))
        }
        // Nothing went out, so the next message arrives alone and carries only its own descriptor.
        try await connection.send([10], fileDescriptors: [file])
        let (bytes, descriptors) = receiveWithDescriptors(peer)
        defer { for descriptor in descriptors { close(descriptor) } }
        #expect(bytes == [10])
        #expect(descriptors.count == 1)
    }

    @Test("the Unix transport reports descriptors with no bytes too")
    func unixTransportDescriptorsWithoutBytesThrow() async throws {
        let (file, directory) = try makeTemporaryFile()
        defer {
            close(file)
            try? FileManager.default.removeItem(atPath: directory)
        }
        try await withConnectedUnixPair { client, _ in
            do {
                try await client.send([], fileDescriptors: [file])
                Issue.record("sending descriptors with no bytes reported success")
            } catch let error as QMPError {
                #expect(error.code == .transportFailed)
                #expect(error.errno == EINVAL)
            }
        }
    }

    @Test("more descriptors than one message carries throw and send nothing")
    func tooManyDescriptorsThrow() async throws {
        let (file, directory) = try makeTemporaryFile()
        defer {
            close(file)
            try? FileManager.default.removeItem(atPath: directory)
        }
        let (mine, peer) = try makeSocketPair()
        defer { close(peer) }
        let connection = try SocketConnection(fd: mine, peer: "pair")
        defer { connection.close() }
        let tooMany = [Int32](repeating: file, count: SocketConnection.maxDescriptorsPerSend + 1)
        do {
            try await connection.send([10], fileDescriptors: tooMany)
            Issue.record("sent \(tooMany.count) descriptors in one message")
        } catch {
            #expect(error.code == .transportFailed)
            #expect(error.message.contains("\(SocketConnection.maxDescriptorsPerSend)"))
        }
        // The most one message carries still goes through.
        let most = [Int32](repeating: file, count: SocketConnection.maxDescriptorsPerSend)
        try await connection.send([10], fileDescriptors: most)
        let (bytes, descriptors) = receiveWithDescriptors(peer)
        defer { for descriptor in descriptors { close(descriptor) } }
        #expect(bytes == [10])
        #expect(descriptors.count == most.count)
    }
}
