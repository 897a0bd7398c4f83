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
    /// One message from the socket `fd`: its bytes and the descriptors attached to it.
    private func receiveWithDescriptors(_ fd: Int32) throws -> (bytes: [UInt8], descriptors: [Int32]) {
        try DescriptorPassing.blockingReceive(fd, capacity: 64, peer: "pair") ?? ([], [])
    }

    /// Whether `a` and `b` are the same open file (device and inode).
    private func sameFile(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat()
        var second = stat()
        guard fstat(a, &first) == 0, fstat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Runs `body` with a file open for passing, then closes and removes it.
    private func withTemporaryFile(_ body: (Int32) async throws -> Void) async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fd = open(directory + "/passed.txt", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        try await body(fd)
    }

    /// Runs `body` with a connection over one end of a socket pair, and the other end.
    private func withConnection(_ body: (SocketConnection, _ peer: Int32) async throws -> Void) async throws {
        let (mine, peer) = try makeSocketPair()
        defer { close(peer) }
        let connection = try SocketConnection(fd: mine, peer: "pair")
        defer { connection.close() }
        try await body(connection, peer)
    }

    @Test("descriptors with bytes reach the peer")
    func descriptorsWithBytesArrive() async throws {
        try await withTemporaryFile { file in
            try await withConnection { connection, peer in
                let pipeEnds = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
                defer { pipeEnds.deallocate() }
                #expect(pipe(pipeEnds) == 0)
                defer {
                    close(pipeEnds[0])
                    close(pipeEnds[1])
                }

                try await connection.send(Array("{}\n".utf8), fileDescriptors: [file, pipeEnds[1]])
                let (bytes, descriptors) = try receiveWithDescriptors(peer)
                defer { for descriptor in descriptors { close(descriptor) } }
                #expect(bytes == Array("{}\n".utf8))
                #expect(descriptors.count == 2)
                if descriptors.count == 2 {
                    #expect(sameFile(descriptors[0], file))
                    #expect(sameFile(descriptors[1], pipeEnds[1]))
                }
            }
        }
    }

    @Test("descriptors with no bytes throw instead of vanishing")
    func descriptorsWithoutBytesThrow() async throws {
        try await withTemporaryFile { file in
            try await withConnection { connection, peer in
                do {
                    try await connection.send([], fileDescriptors: [file])
                    Issue.record("sending descriptors with no bytes reported success")
                } catch let error as QMPError {
                    #expect(error.code == .transportFailed)
                    #expect(error.errno == EINVAL)
                    #expect(error.message.contains("at least one byte"))
                }
                // Nothing went out, so the next message arrives alone and carries only its own descriptor.
                try await connection.send([10], fileDescriptors: [file])
                let (bytes, descriptors) = try receiveWithDescriptors(peer)
                defer { for descriptor in descriptors { close(descriptor) } }
                #expect(bytes == [10])
                #expect(descriptors.count == 1)
            }
        }
    }

    @Test("the Unix transport reports descriptors with no bytes too")
    func unixTransportDescriptorsWithoutBytesThrow() async throws {
        try await withTemporaryFile { file in
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
    }

    @Test("more descriptors than one message carries throw and send nothing")
    func tooManyDescriptorsThrow() async throws {
        try await withTemporaryFile { file in
            try await withConnection { connection, peer in
                let tooMany = [Int32](repeating: file, count: SocketConnection.maxDescriptorsPerSend + 1)
                do {
                    try await connection.send([10], fileDescriptors: tooMany)
                    Issue.record("sent \(tooMany.count) descriptors in one message")
                } catch let error as QMPError {
                    #expect(error.code == .transportFailed)
                    #expect(error.message.contains("\(SocketConnection.maxDescriptorsPerSend)"))
                }
                // The most one message carries still goes through.
                let most = [Int32](repeating: file, count: SocketConnection.maxDescriptorsPerSend)
                try await connection.send([10], fileDescriptors: most)
                let (bytes, descriptors) = try receiveWithDescriptors(peer)
                defer { for descriptor in descriptors { close(descriptor) } }
                #expect(bytes == [10])
                #expect(descriptors.count == most.count)
            }
        }
    }

    @Test("a message with more descriptors than the receiver takes is refused, and what arrived is closed")
    func tooManyReceivedDescriptorsThrowAndAreClosed() async throws {
        try await withConnection { connection, peer in
            // Passed is one end of a second pair, whose other end reads as ended once every copy is closed.
            let (watched, passed) = try makeSocketPair()
            defer { close(watched) }
            setNonBlocking(watched)
            try await connection.send([10], fileDescriptors: [passed, passed])
            close(passed)
            var buffer = [UInt8](repeating: 0, count: 8)
            do {
                _ = try buffer.withUnsafeMutableBytes { buffer throws(QMPError) in
                    try DescriptorPassing.receiveOnce(peer, into: buffer, peer: "pair", descriptorCapacity: 1)
                }
                Issue.record("a message with 2 descriptors was taken by a receiver of 1")
            } catch let error as QMPError {
                #expect(error.code == .transportFailed)
                #expect(error.message.contains("more than the 1 file descriptors"))
            }
            // Had a received copy been kept open, this would fail with EAGAIN instead.
            var byte: UInt8 = 0
            #expect(read(watched, &byte, 1) == 0)
        }
    }

    @Test("blocking sends and receives wait on a non-blocking socket instead of failing")
    func blockingCallsWaitOnNonBlockingSockets() async throws {
        let (sender, receiver) = try makeSocketPair()
        defer {
            close(sender)
            close(receiver)
        }
        setNonBlocking(sender)
        setNonBlocking(receiver)
        var buffer = [UInt8](repeating: 0, count: 8)
        let empty = try buffer.withUnsafeMutableBytes { buffer throws(QMPError) in
            try DescriptorPassing.receiveOnce(receiver, into: buffer, peer: "receiver")
        }
        guard case .wouldBlock = empty else {
            Issue.record("an empty non-blocking socket returned \(empty)")
            return
        }
        // Fill the sender's buffer, so the blocking send below must wait for the receiver.
        let chunk = [UInt8](repeating: 1, count: 4096)
        var queued = 0
        while case .value(let count) = try nonBlockingSyscall("filling", { chunk.withUnsafeBytes { DescriptorPassing.sendOnce(sender, $0, descriptors: []) } }) {
            queued += count
        }
        let payload = [UInt8](repeating: 2, count: 100_000)
        let expected = [UInt8](repeating: 1, count: queued) + payload
        async let sent = BuiltTool.offPool { () -> QMPError? in
            do throws(QMPError) {
                try DescriptorPassing.blockingSend(sender, payload, descriptors: [], peer: "sender")
                return nil
            } catch {
                return error
            }
        }
        let received = await BuiltTool.offPool { () -> Result<[UInt8], QMPError> in
            var received: [UInt8] = []
            do throws(QMPError) {
                while received.count < expected.count, let message = try DescriptorPassing.blockingReceive(receiver, peer: "receiver") {
                    received += message.bytes
                }
                return .success(received)
            } catch {
                return .failure(error)
            }
        }
        #expect(await sent == nil)
        #expect(try received.get() == expected, "every byte, in order")
    }
}
