import Foundation
import Glibc
import QMPCore
import QMPSocketSupport
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
        let address = try UnixAddress(path: path)
        func connectRaw(_ fd: Int32) -> Int32 {
            address.connect(fd) == 0 ? 0 : errno
        }
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        let bound = address.bind(listener)
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
