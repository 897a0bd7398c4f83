import Foundation
import QMPSocketSupport
import QMPTestSupport
import Testing

/// The kernel hands out the lowest free fd number, so a socket opened just after
/// another closed usually gets its number. Nothing done to the old connection
/// may then reach the new socket's epoll registration.
@Suite("SocketConnection and reused fd numbers", .timeLimit(.minutes(1)))
struct DescriptorReuseTests {
    @Test("closing a connection again leaves a newer socket with its old fd number watched")
    func secondCloseSparesTheReusedNumber() async throws {
        var reusedAtLeastOnce = false
        for _ in 0..<6 {
            let (oldEnd, oldPeer) = try makeSocketPair()
            let old = try SocketConnection(fd: oldEnd, peer: "old")
            old.close()
            close(oldPeer)

            let (newEnd, newPeer) = try makeSocketPair()
            defer { close(newPeer) }
            reusedAtLeastOnce = reusedAtLeastOnce || newEnd == oldEnd
            let new = try SocketConnection(fd: newEnd, peer: "new")
            defer { new.close() }
            old.close()

            // The receive must be waiting on epoll when the data arrives, or it reads without waiting.
            let receive = Task { try await new.receive() }
            try await waitUntil("the receive waits") { new.waiterCount(.read) == 1 }
            #expect(write(newPeer, "hi", 2) == 2)
            let received = try await Self.value(of: receive, within: .seconds(5))
            #expect(received == Array("hi".utf8), "the new socket's readiness was lost")
        }
        #expect(reusedAtLeastOnce, "no new socket got its predecessor's number, so nothing was exercised")
    }

    /// The task's value, or `nil` (and the task cancelled) if it takes longer than `limit`.
    private static func value(
        of task: Task<[UInt8]?, any Error>, within limit: Duration
    ) async throws -> [UInt8]? {
        let timer = Task {
            try await Task.sleep(for: limit)
            task.cancel()
        }
        defer { timer.cancel() }
        return try? await task.value
    }
}
