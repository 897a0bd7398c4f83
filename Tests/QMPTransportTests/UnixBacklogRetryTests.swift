import Foundation
import Glibc
import QMPCore
import QMPTestSupport
import Synchronization
@testable import QMPTransportUnix
import Testing

@Suite("Unix connect retries a full backlog", .serialized, .timeLimit(.minutes(1)))
struct UnixBacklogRetryTests {
    @Test func aConnectToAFullBacklogSucceedsOnceASlotFrees() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/full.sock"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        func connectRaw(_ fd: Int32) -> Int32 {
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) == 0 ? 0 : errno }
            }
        }
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        #expect(bound == 0)
        #expect(listen(listener, 0) == 0)
        // Fill the backlog until a non-blocking connect is refused with EAGAIN.
        var fillers: [Int32] = []
        defer { for fd in fillers { close(fd) } }
        var refused = false
        for _ in 0..<8 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            fillers.append(fd)
            if connectRaw(fd) == EAGAIN {
                refused = true
                break
            }
        }
        try #require(refused, "the backlog never filled; the test cannot tell a retry")
        let retriesBefore = UnixSocketTransport.backlogRetries.load(ordering: .relaxed)
        let connecting = Task { try await UnixSocketTransport.connect(path: path) }
        // It is refused and retrying; then a slot frees.
        try await waitUntil("the connect retries") { UnixSocketTransport.backlogRetries.load(ordering: .relaxed) != retriesBefore }
        let accepted = accept(listener, nil, nil)
        #expect(accepted >= 0)
        defer { close(accepted) }
        let transport = try await connecting.value
        await transport.close()
    }
}
