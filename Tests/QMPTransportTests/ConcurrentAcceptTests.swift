import Foundation
import QMP
import QMPSocketSupport
import QMPTestSupport
import QMPTransportTCP
import QMPTransportUnix
import Testing

/// A Unix or TCP listener behind one shape, so each test covers both.
struct ListenerUnderTest: Sendable {
    let accept: @Sendable () async throws -> any Transport
    let connect: @Sendable () async throws -> any Transport
    let waitingAccepts: @Sendable () -> Int
    let close: @Sendable () async -> Void

    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case unix, tcp
        var testDescription: String { rawValue }
    }

    static func make(_ kind: Kind) async throws -> ListenerUnderTest {
        switch kind {
        case .unix:
            let directory = try QEMUInstance.makeTemporaryDirectory()
            let path = directory + "/accept.sock"
            let listener = try await UnixSocketListener.listen(path: path)
            return ListenerUnderTest(
                accept: { try await listener.accept() },
                connect: { try await UnixSocketTransport.connect(path: path) },
                waitingAccepts: { listener.waitingAcceptCount },
                close: {
                    await listener.close()
                    try? FileManager.default.removeItem(atPath: directory)
                }
            )
        case .tcp:
            let listener = try await TCPListener.listen(host: "127.0.0.1", port: 0)
            return ListenerUnderTest(
                accept: { try await listener.accept() },
                connect: { try await TCPTransport.connect(to: listener.endpoint) },
                waitingAccepts: { listener.waitingAcceptCount },
                close: { await listener.close() }
            )
        }
    }
}

/// Several tasks may wait in `accept()` on one listener at once (issue 15, C3). Each
/// must be woken, cancelled or failed on its own: none may be left waiting forever.
/// A hang fails through the time limit.
@Suite("Concurrent accepts on one listener", .serialized, .timeLimit(.minutes(1)))
struct ConcurrentAcceptTests {
    @Test("every waiting accept completes when as many clients connect", arguments: ListenerUnderTest.Kind.allCases, [2, 5])
    func everyWaitingAcceptCompletes(_ kind: ListenerUnderTest.Kind, accepts: Int) async throws {
        let listener = try await ListenerUnderTest.make(kind)
        let accepting = (0..<accepts).map { _ in Task { try await listener.accept() } }
        // Connect only once every accept waits, so none of them finds a client without waiting.
        try await waitUntil("\(accepts) accepts wait") { listener.waitingAccepts() == accepts }
        var clients: [any Transport] = []
        for _ in 0..<accepts { clients.append(try await listener.connect()) }
        for task in accepting { await (try await task.value).close() }
        for client in clients { await client.close() }
        await listener.close()
    }

    @Test("closing the listener ends every waiting accept", arguments: ListenerUnderTest.Kind.allCases)
    func closeEndsEveryWaitingAccept(_ kind: ListenerUnderTest.Kind) async throws {
        let listener = try await ListenerUnderTest.make(kind)
        let accepting = (0..<2).map { _ in Task { try await listener.accept() } }
        try await waitUntil("two accepts wait") { listener.waitingAccepts() == 2 }
        await listener.close()
        for task in accepting {
            let result = await task.result
            guard case .failure(let error as QMPError) = result else {
                Issue.record("expected the closed listener's error, got \(result)")
                continue
            }
            #expect(error.code == .disconnected)
        }
    }

    @Test("cancelling every waiting accept ends each of them", arguments: ListenerUnderTest.Kind.allCases)
    func cancellationEndsEveryWaitingAccept(_ kind: ListenerUnderTest.Kind) async throws {
        let listener = try await ListenerUnderTest.make(kind)
        let accepting = (0..<2).map { _ in Task { try await listener.accept() } }
        try await waitUntil("two accepts wait") { listener.waitingAccepts() == 2 }
        for task in accepting { task.cancel() }
        for task in accepting {
            let result = await task.result
            guard case .failure(let error as QMPError) = result else {
                Issue.record("expected cancellation, got \(result)")
                continue
            }
            #expect(error.code == .cancelled)
        }
        #expect(listener.waitingAccepts() == 0, "a cancelled accept stays registered")
        await listener.close()
    }

    @Test("cancelling one waiting accept leaves the other waiting for its client", arguments: ListenerUnderTest.Kind.allCases)
    func cancellationEndsOnlyItsOwnAccept(_ kind: ListenerUnderTest.Kind) async throws {
        let listener = try await ListenerUnderTest.make(kind)
        let cancelled = Task { try await listener.accept() }
        try await waitUntil("an accept waits") { listener.waitingAccepts() == 1 }
        let kept = Task { try await listener.accept() }
        try await waitUntil("two accepts wait") { listener.waitingAccepts() == 2 }
        cancelled.cancel()
        let result = await cancelled.result
        guard case .failure(let error as QMPError) = result, error.code == .cancelled else {
            Issue.record("expected cancellation, got \(result)")
            kept.cancel()
            await listener.close()
            return
        }
        #expect(listener.waitingAccepts() == 1, "cancelling one accept removed another's wait too")
        let client = try await listener.connect()
        await (try await kept.value).close()
        await client.close()
        await listener.close()
    }
}
