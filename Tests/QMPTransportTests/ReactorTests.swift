import Foundation
import QMPCore
import QMPSocketSupport
import QMPTestSupport
import Synchronization
import Testing

/// What the injected `epoll_wait` failure hook sees and is told, shared with the epoll thread.
private final class HookState: Sendable {
    let calls = Lock(0)
    let stop = Lock(false)
}

/// The shared epoll thread (``Reactor``): waiters, wakeups, cancellation, and what
/// happens when `epoll_wait` itself fails. A hang fails through the time limit.
@Suite("Reactor", .serialized, .timeLimit(.minutes(1)))
struct ReactorTests {
    /// A `SocketConnection` on one end of a fresh socket pair, and the raw other end (the caller closes it).
    private func makeConnection(reactor: Reactor? = nil) throws -> (SocketConnection, Int32) {
        let (mine, peer) = try makeSocketPair()
        do {
            return (try SocketConnection(fd: mine, peer: "pair", reactor: reactor), peer)
        } catch {
            close(peer)
            throw error
        }
    }

    @Test("a failing epoll_wait fails every waiter, every later wait and every new socket")
    func epollFailureFailsEveryone() async throws {
        // The epoll thread blocks in the hook until every waiter waits, then "fails" with EBADF.
        let gate = DispatchSemaphore(value: 0)
        let reactor = try Reactor(injectedErrno: {
            gate.wait()
            return EBADF
        })
        let (connection, peer) = try makeConnection(reactor: reactor)
        defer { close(peer) }
        let receiving = Task { try await connection.receive() }
        // More than the socket buffer holds, so the send waits for writability.
        let sending = Task { try await connection.send([UInt8](repeating: 0, count: 8 << 20)) }
        try await waitUntil("a reader and a writer wait") { connection.waiterCount(.read) == 1 && connection.waiterCount(.write) == 1 }
        gate.signal()

        for result in [await receiving.result.map { _ in () }, await sending.result] {
            guard case .failure(let error as QMPError) = result else {
                Issue.record("expected the reactor's failure, got \(result)")
                continue
            }
            #expect(error.code == .transportFailed)
            #expect(error.errno == EBADF)
            #expect(error.message.contains("epoll_wait"))
        }
        // Later waits fail at once rather than waiting for a thread that is gone.
        await #expect(throws: QMPError.self) { _ = try await connection.receive() }
        let (another, anotherPeer) = try makeSocketPair()
        defer { close(anotherPeer) }
        #expect(throws: QMPError.self) { _ = try SocketConnection(fd: another, peer: "late", reactor: reactor) }
        // Closing still reads as closed.
        connection.close()
        #expect(try await connection.receive() == nil)
    }

    @Test("an interrupted epoll_wait is retried")
    func interruptedWaitIsRetried() async throws {
        let hook = HookState()
        let reactor = try Reactor(injectedErrno: {
            let call = hook.calls.withLock { calls in
                defer { calls += 1 }
                return calls
            }
            if call == 0 { return EINTR }
            // Ends the test's epoll thread once the test is done with it.
            return hook.stop.withLock { $0 } ? EBADF : nil
        })
        let (connection, peer) = try makeConnection(reactor: reactor)
        defer {
            connection.close()
            close(peer)
        }
        let receiving = Task { try await connection.receive() }
        try await waitUntil("a reader waits") { connection.waiterCount(.read) == 1 }
        #expect(write(peer, "hi", 2) == 2)
        #expect(try await receiving.value == Array("hi".utf8))
        #expect(hook.calls.withLock { $0 } >= 2, "the EINTR was never injected")

        // Stop the thread: the next report makes it call the hook again, which fails it.
        hook.stop.withLock { $0 = true }
        #expect(write(peer, "x", 1) == 1)
        #expect(try await connection.receive() == Array("x".utf8))
        await #expect(throws: QMPError.self) { _ = try await connection.receive() }
    }

    @Test("readiness that lands while another task waits still wakes a task that read its count before")
    func reportBetweenEAGAINAndWaitIsNotLost() async throws {
        let reactor = try Reactor.get()
        let (mine, peer) = try makeSocketPair()
        defer {
            close(mine)
            close(peer)
        }
        let watch = try reactor.register(mine)
        defer {
            reactor.unwatch(mine)
            reactor.forget(watch, error: QMPError(.disconnected, "test over"))
        }
        let seen = watch.generation(.read)
        let first = Task { try await reactor.wait(for: .read, on: watch, after: seen) }
        try await waitUntil("a reader waits") { watch.waiterCount(.read) == 1 }
        // A second task tried its read (EAGAIN: nothing sent yet) and is about to wait.
        let secondSeen = watch.generation(.read)
        #expect(write(peer, "x", 1) == 1)
        try await first.value
        // The one report went to the first waiter; the second must not miss it.
        try await reactor.wait(for: .read, on: watch, after: secondSeen)
    }

    @Test("a task cancelled before its wait registers fails at once and leaves nothing behind")
    func cancellationBeforeRegistration() async throws {
        let reactor = try Reactor.get()
        let (mine, peer) = try makeSocketPair()
        defer {
            close(mine)
            close(peer)
        }
        let watch = try reactor.register(mine)
        defer {
            reactor.unwatch(mine)
            reactor.forget(watch, error: QMPError(.disconnected, "test over"))
        }
        let seen = watch.generation(.read)
        let waiting = Task {
            // Cancelled before the wait: its cancellation handler runs before it registers.
            withUnsafeCurrentTask { $0?.cancel() }
            try await reactor.wait(for: .read, on: watch, after: seen)
        }
        let result = await waiting.result
        guard case .failure(let error as QMPError) = result else {
            Issue.record("expected cancellation, got \(result)")
            return
        }
        #expect(error.code == .cancelled)
        #expect(watch.waiterCount(.read) == 0)
    }

    @Test("forgetting a watch fails all of its waiters, in both directions")
    func forgetFailsEveryWaiter() async throws {
        let reactor = try Reactor.get()
        let (mine, peer) = try makeSocketPair()
        defer {
            close(mine)
            close(peer)
        }
        let watch = try reactor.register(mine)
        let readSeen = watch.generation(.read)
        let readers = (0..<2).map { _ in Task { try await reactor.wait(for: .read, on: watch, after: readSeen) } }
        try await waitUntil("two readers wait") { watch.waiterCount(.read) == 2 }
        // A writable socket reports writability once, at registration: wait past that report.
        try await waitUntil("the socket was reported writable") { watch.generation(.write) > 0 }
        let writeSeen = watch.generation(.write)
        let writer = Task { try await reactor.wait(for: .write, on: watch, after: writeSeen) }
        try await waitUntil("a writer waits") { watch.waiterCount(.write) == 1 }
        reactor.unwatch(mine)
        reactor.forget(watch, error: QMPError(.disconnected, "forgotten"))
        for task in readers + [writer] {
            let result = await task.result
            guard case .failure(let error as QMPError) = result else {
                Issue.record("expected the forget error, got \(result)")
                continue
            }
            #expect(error.message == "forgotten")
        }
        await #expect(throws: QMPError.self) { try await reactor.wait(for: .read, on: watch, after: readSeen) }
    }

    @Test("two sends waiting for room on one socket both finish")
    func concurrentSendsBothFinish() async throws {
        let (sender, receiverFD) = try makeConnection()
        let receiver = try SocketConnection(fd: receiverFD, peer: "receiver")
        defer {
            sender.close()
            receiver.close()
        }
        let size = 1 << 20
        let sends = (0..<2).map { _ in Task { try await sender.send([UInt8](repeating: 1, count: size)) } }
        // Each is larger than the socket buffer, so both wait before anything is read.
        try await waitUntil("two writers wait") { sender.waiterCount(.write) == 2 }
        var total = 0
        while total < 2 * size, let bytes = try await receiver.receive() { total += bytes.count }
        #expect(total == 2 * size)
        for send in sends { try await send.value }
    }
}
