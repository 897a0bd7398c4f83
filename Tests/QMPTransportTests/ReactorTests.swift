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
    let failed = Lock(false)
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
            guard hook.stop.withLock({ $0 }) else { return nil }
            hook.failed.withLock { $0 = true }
            return EBADF
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

        // Stop the thread: the next report makes it call the hook again, which fails it. The
        // byte is read only then: epoll reports nothing for a socket already read dry.
        hook.stop.withLock { $0 = true }
        #expect(write(peer, "x", 1) == 1)
        try await waitUntil("the hook failed the epoll thread") { hook.failed.withLock { $0 } }
        #expect(try await connection.receive() == Array("x".utf8))
        await #expect(throws: QMPError.self) { _ = try await connection.receive() }
    }

    @Test("readiness that lands while another task waits still wakes a task that read its count before")
    func reportBetweenEAGAINAndWaitIsNotLost() async throws {
        let reactor = try Reactor.get()
        let (watch, mine, peer) = try makeWatchedPair(reactor)
        defer { end(watch, mine, peer, on: reactor) }
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
        let (watch, mine, peer) = try makeWatchedPair(reactor)
        defer { end(watch, mine, peer, on: reactor) }
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
        // A wait on a writable socket would end at once: fill its buffer first.
        fillSendBuffer(mine)
        let writeSeen = watch.generation(.write)
        let writer = Task { try await reactor.wait(for: .write, on: watch, after: writeSeen) }
        try await waitUntil("a writer waits") { watch.waiterCount(.write) == 1 }
        watch.unregister()
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

    @Test("writability is reported only while a writer waits, and a wait on a writable socket ends at once")
    func writabilityIsReportedOnlyWhileAWriterWaits() async throws {
        let reactor = try Reactor.get()
        let (watch, mine, peer) = try makeWatchedPair(reactor)
        defer { end(watch, mine, peer, on: reactor) }
        // A peer reading our every command would wake the epoll thread each time.
        #expect(!watch.isReported(.write))
        #expect(watch.isReported(.read))
        // Asking for writability checks it at once: nothing else will report a socket that was
        // writable all along.
        try await reactor.wait(for: .write, on: watch, after: watch.generation(.write))

        fillSendBuffer(mine)
        let seen = watch.generation(.write)
        let writer = Task { try await reactor.wait(for: .write, on: watch, after: seen) }
        try await waitUntil("a writer waits") { watch.waiterCount(.write) == 1 }
        #expect(watch.isReported(.write))
        drain(peer)
        try await writer.value
        // A report that finds no writer waiting stops the reports: the peer reading a byte
        // sends one.
        try await waitUntil("writability is no longer reported") {
            _ = send(mine, "y", 1, Int32(MSG_DONTWAIT))
            drain(peer)
            return !watch.isReported(.write)
        }
    }

    @Test("paused read reports wake no reader; resuming wakes it for the bytes that came meanwhile")
    func pausedReadReports() async throws {
        let reactor = try Reactor.get()
        let (watch, mine, peer) = try makeWatchedPair(reactor)
        defer { end(watch, mine, peer, on: reactor) }
        let seen = watch.generation(.read)
        let reader = Task { try await reactor.wait(for: .read, on: watch, after: seen) }
        try await waitUntil("a reader waits") { watch.waiterCount(.read) == 1 }
        watch.pauseReadReports()
        #expect(!watch.isReported(.read))
        #expect(write(peer, "x", 1) == 1)
        // Had the byte been reported, the epoll thread would have counted it before it woke
        // the fence's reader: epoll hands over ready sockets in the order they became ready.
        try await fence(reactor)
        #expect(watch.generation(.read) == seen)
        #expect(watch.waiterCount(.read) == 1)

        watch.resumeReadReports()
        try await reader.value
        #expect(watch.generation(.read) > seen)
    }

    /// Returns once the epoll thread has handled a report that comes after everything before
    /// the call: a fresh socket's, which epoll queues behind every earlier readiness.
    private func fence(_ reactor: Reactor) async throws {
        let (watch, mine, peer) = try makeWatchedPair(reactor)
        defer { end(watch, mine, peer, on: reactor) }
        let seen = watch.generation(.read)
        #expect(write(peer, "f", 1) == 1)
        try await reactor.wait(for: .read, on: watch, after: seen)
    }

    /// A fresh socket pair whose first end `reactor` watches; hand all three to ``end(_:_:_:on:)``.
    private func makeWatchedPair(_ reactor: Reactor) throws -> (Reactor.Watch, mine: Int32, peer: Int32) {
        let (mine, peer) = try makeSocketPair()
        do {
            return (try reactor.register(mine), mine, peer)
        } catch {
            close(mine)
            close(peer)
            throw error
        }
    }

    /// Stops watching the pair's first end, in the order a connection closes, and closes both.
    private func end(_ watch: Reactor.Watch, _ mine: Int32, _ peer: Int32, on reactor: Reactor) {
        watch.unregister()
        reactor.forget(watch, error: QMPError(.disconnected, "test over"))
        close(mine)
        close(peer)
    }

    /// Writes to `fd` until its socket buffer is full.
    private func fillSendBuffer(_ fd: Int32) {
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while send(fd, chunk, chunk.count, Int32(MSG_DONTWAIT)) > 0 {}
    }

    /// Reads what `fd` has without waiting.
    private func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)) > 0 {}
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
