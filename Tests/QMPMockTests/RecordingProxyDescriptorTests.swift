import Foundation
import QMPChildProcess
import QMPCore
import QMPSocketSupport
import QMPTestSupport
import Testing

/// `qmp-simulator --proxy` passes descriptors both ways, shown without QEMU (which never
/// sends any): a stand-in upstream on a plain socket sends one with its greeting.
@Suite("qmp-simulator --proxy passes descriptors both ways", .serialized, .timeLimit(.minutes(1)))
struct RecordingProxyDescriptorTests {
    /// Bytes up to `count` from `fd` and every descriptor that came with them, off the cooperative pool.
    private func receive(_ count: Int, from fd: Int32) async throws -> (bytes: [UInt8], descriptors: [Int32]) {
        try await BuiltTool.offPool { () -> Result<([UInt8], [Int32]), QMPError> in
            var bytes: [UInt8] = []
            var descriptors: [Int32] = []
            do throws(QMPError) {
                while bytes.count < count, let message = try DescriptorPassing.blockingReceive(fd, peer: "the proxy") {
                    bytes += message.bytes
                    descriptors += message.descriptors
                }
                return .success((bytes, descriptors))
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// Whether `a` and `b` are the same open file (device and inode).
    private func sameFile(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat()
        var second = stat()
        guard fstat(a, &first) == 0, fstat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    /// Sends `bytes` with `descriptor` from `sender`, and expects both at `receiver`.
    private func expectCrossing(
        _ bytes: [UInt8], with descriptor: Int32, from sender: Int32, to receiver: Int32, _ comment: Comment
    ) async throws {
        try DescriptorPassing.blockingSend(sender, bytes, descriptors: [descriptor], peer: "the proxy")
        let received = try await receive(bytes.count, from: receiver)
        defer { for fd in received.descriptors { close(fd) } }
        #expect(received.bytes == bytes)
        #expect(received.descriptors.count == 1)
        #expect(received.descriptors.first.map { sameFile($0, descriptor) } == true, comment)
    }

    @Test func descriptorsCrossInBothDirections() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let upstreamPath = directory + "/upstream.sock"
        let proxyPath = directory + "/proxy.sock"
        let upstream = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(upstream) }
        let address = try UnixAddress(path: upstreamPath)
        try #require(address.bind(upstream) == 0 && listen(upstream, 1) == 0)

        let proxy = try BuiltTool.start("qmp-simulator", ["--unix", proxyPath, "--proxy", upstreamPath, "--record", directory + "/session.qmp"])
        defer {
            proxy.process.killAndWait()
            for fd in [proxy.stdin, proxy.stdout, proxy.stderr] { close(fd) }
        }
        await proxy.waitForStderr(containing: "recording proxy on unix:\(proxyPath)")
        let client = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(client) }
        try #require(try UnixAddress(path: proxyPath).connect(client) == 0)
        // The proxy connects upstream once a client has come.
        let server = await BuiltTool.offPool { accept(upstream, nil, nil) }
        try #require(server >= 0)
        defer { close(server) }
        let (kept, passed) = try makeSocketPair()
        defer {
            close(kept)
            close(passed)
        }

        let greeting = Array(#"{"QMP": {"version": {}, "capabilities": []}}"#.utf8) + [13, 10]
        try await expectCrossing(greeting, with: passed, from: server, to: client, "the upstream's descriptor reached the client")
        let command = Array(#"{"execute": "getfd", "arguments": {"fdname": "x"}}"#.utf8) + [13, 10]
        try await expectCrossing(command, with: kept, from: client, to: server, "the client's descriptor reached the upstream")
    }
}
