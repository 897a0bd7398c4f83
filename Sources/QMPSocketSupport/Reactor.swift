#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import QMPCore
import CQMPSystem
import Synchronization

/// One epoll thread that serves every socket in the process.
///
/// Why one thread: a thread per connection does not scale to the thousand
/// connections a fleet manager holds, and blocking calls must never run on
/// Swift's cooperative pool. Every socket is non-blocking and registered,
/// edge-triggered, for what its tasks wait for (see ``Watch``). A task that hits EAGAIN awaits
/// ``wait(for:on:after:)``; the epoll thread resumes it when the kernel reports
/// readiness.
///
/// No wakeup is lost, however many tasks wait on one socket (two `accept()`
/// calls on a listener, two `send`s on one connection): each
/// direction counts the readiness reports it has had (its generation), a task
/// reads the count *before* its non-blocking call, and a wait returns at once
/// when the count has moved since. Edge-triggered epoll reports a change only
/// once, so a report that lands between a task's EAGAIN and its wait is caught
/// by the count, where a one-shot "ready" latch could be consumed by another
/// waiter. Every readiness report wakes every waiter of that direction: each
/// retries its non-blocking call, and the ones that find nothing wait again.
///
/// Registrations are keyed by a unique id, not the fd number, so an event
/// still in flight for a closed fd can never wake a newer socket that reused
/// the number.
///
/// The epoll thread never stops silently: if `epoll_wait` fails with anything
/// but EINTR, every waiter fails with an error naming it, and so do every later
/// wait and registration, instead of hanging.
package final class Reactor: Sendable {
    package static let shared: Reactor? = try? Reactor()

    package static func get() throws(QMPError) -> Reactor {
        guard let shared else { throw QMPError(.transportFailed, "could not start the epoll thread") }
        return shared
    }

    package enum Direction: Sendable {
        case read, write
    }

    private struct State {
        var watches: [UInt64: Watch] = [:]
        var nextID: UInt64 = 1
        /// Why the epoll thread stopped; then no watch can ever be woken again.
        var failure: QMPError?
    }

    private let epollFD: Int32
    private let state = Lock(State())
    private let nextToken = Atomic<UInt64>(0)
    private let injectedErrno: (@Sendable () -> Int32?)?
    /// Jobs of tasks that prefer this reactor as their executor (see ``ReactorJobs``).
    private let jobs: ReactorJobs
    /// The epoll data of the jobs' eventfd; watches count from 1.
    private static let jobsWakeup: UInt64 = 0

    /// Starts an epoll thread.
    ///
    /// - Parameter injectedErrno: A test seam. Called on the epoll thread before each
    ///   `epoll_wait`; an errno it returns stands in for that call failing with it.
    package init(injectedErrno: (@Sendable () -> Int32?)? = nil) throws(QMPError) {
        self.injectedErrno = injectedErrno
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError.transport("epoll_create1", errno: errno) }
        do {
            jobs = try ReactorJobs()
        } catch {
            _ = close(epollFD)
            throw error
        }
        var wakeup = epoll_event(events: cqmp_epoll_in(), data: epoll_data(u64: Self.jobsWakeup))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, jobs.eventFD, &wakeup) == 0 else {
            let code = errno
            _ = close(epollFD)
            throw SocketError.transport("epoll_ctl(ADD) of the job wakeup", errno: code)
        }
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let reactor = Unmanaged<Reactor>.fromOpaque(argument).takeRetainedValue()
            reactor.run()
            return nil
        }, box.toOpaque())
        guard rc == 0 else {
            box.release()
            _ = close(epollFD)
            throw SocketError.transport("pthread_create", errno: rc)
        }
        pthread_detach(thread)
    }

    /// Only once the epoll thread has stopped (it holds a reference while it runs) and no
    /// connection can call ``Watch/unregister()`` any more, so the number cannot be reused under one.
    deinit {
        _ = close(epollFD)
    }

    /// Starts watching `fd`; the returned watch goes to the other calls.
    ///
    /// - Throws: the reactor's failure once its epoll thread has stopped, or
    ///   ``QMPError/Code/transportFailed`` when epoll refuses the fd.
    package func register(_ fd: Int32) throws(QMPError) -> Watch {
        let added: Result<Watch, QMPError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            defer { state.nextID += 1 }
            let watch = Watch(id: state.nextID, fd: fd, epollFD: epollFD)
            state.watches[watch.id] = watch
            return .success(watch)
        }
        let watch = try added.get()
        var event = epoll_event(events: WatchState.initialEvents, data: epoll_data(u64: watch.id))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            let code = errno
            _ = state.withLock { $0.watches.removeValue(forKey: watch.id) }
            throw SocketError.transport("epoll_ctl(ADD)", errno: code)
        }
        return watch
    }

    /// Forgets `watch` and fails all its waiters, and every later wait, with `error`. Idempotent.
    package func forget(_ watch: Watch, error: QMPError) {
        _ = state.withLock { $0.watches.removeValue(forKey: watch.id) }
        watch.end(error, replacing: true)
    }

    /// Returns once `direction` of `watch` has had a readiness report after `seen`
    /// (a ``Watch/generation(_:)`` read before the call that hit EAGAIN); at once if one came already.
    ///
    /// - Throws: the watch's end (``forget(_:error:)``, a failed reactor), or
    ///   ``QMPError/Code/cancelled`` when the task is cancelled.
    package func wait(for direction: Direction, on watch: Watch, after seen: UInt64) async throws(QMPError) {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let result: Result<Void, QMPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Result<Void, QMPError>? = watch.state.withLock { state in
                    if let ended = state.ended { return .failure(ended) }
                    // A cancellation handler that ran before this point found no waiter to
                    // remove; the flag it follows is set before it runs, and this check runs
                    // under the lock the handler takes, so such a cancellation is seen here.
                    if Task.isCancelled { return .failure(.cancelled("waiting for the socket")) }
                    if state[direction].generation != seen { return .success(()) }
                    if direction == .write && !state.reportsWrites {
                        state.reportsWrites = true
                        if let refused = watch.updateRegistration(&state) {
                            return .failure(SocketError.transport("epoll_ctl(MOD)", errno: refused))
                        }
                    }
                    state[direction].waiters.append((token, continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = watch.state.withLock { state -> Continuation? in
                guard let index = state[direction].waiters.firstIndex(where: { $0.token == token }) else { return nil }
                return state[direction].waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: .failure(.cancelled("waiting for the socket")))
        }
        try result.get()
    }

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var ready: [(watch: Watch, flags: UInt32)] = []
        var wake: [Continuation] = []
        var jobsWaiting = false
        var jobsWoken = false
        jobs.bindToCurrentThread()
        defer { jobs.stop() }
        while true {
            let count: Int32
            let code: Int32
            if let injected = injectedErrno?() {
                (count, code) = (-1, injected)
            } else {
                // Queued jobs are run after each round of readiness, so epoll is only polled then.
                count = epoll_wait(epollFD, events, Int32(capacity), jobsWaiting ? 0 : -1)
                code = count < 0 ? errno : 0
            }
            if count < 0 {
                if code == EINTR { continue }
                // EBADF, EFAULT and EINVAL mean the epoll fd or this loop is broken; none
                // clears by retrying, and a thread that just returned would leave every
                // socket waiting forever. Fail them all, loudly, and refuse new ones.
                fail(QMPError(
                    .transportFailed,
                    "the I/O thread stopped: epoll_wait failed: \(SocketError.describe(code)) (errno \(code)); no socket in this process can wait for I/O any more",
                    errno: code
                ))
                return
            }
            state.withLock { state in
                for index in 0..<Int(count) {
                    if events[index].data.u64 == Self.jobsWakeup { jobsWoken = true }
                    if let watch = state.watches[events[index].data.u64] { ready.append((watch, events[index].events)) }
                }
            }
            for (watch, flags) in ready {
                let failed = flags & (cqmp_epoll_err() | cqmp_epoll_hup()) != 0
                watch.state.withLock { state in
                    if failed || flags & (cqmp_epoll_in() | cqmp_epoll_rdhup()) != 0 {
                        state.read.generation &+= 1
                        wake.append(contentsOf: state.read.waiters.lazy.map(\.continuation))
                        state.read.waiters.removeAll(keepingCapacity: true)
                    }
                    if failed || flags & cqmp_epoll_out() != 0 {
                        state.write.generation &+= 1
                        // Nobody waited for this one: stop the reports until a writer waits again.
                        if state.write.waiters.isEmpty && !failed {
                            state.reportsWrites = false
                            _ = watch.updateRegistration(&state)
                        }
                        wake.append(contentsOf: state.write.waiters.lazy.map(\.continuation))
                        state.write.waiters.removeAll(keepingCapacity: true)
                    }
                }
            }
            ready.removeAll(keepingCapacity: true)
            for waiter in wake { waiter.resume(returning: .success(())) }
            wake.removeAll(keepingCapacity: true)
            if jobsWoken {
                jobs.consumeWakeups()
                jobsWoken = false
            }
            // Waiters resumed just now whose tasks run here are among these.
            jobsWaiting = jobs.runQueued(on: asUnownedTaskExecutor())
        }
    }

    /// Ends every watch with `error` and makes later registrations throw it.
    private func fail(_ error: QMPError) {
        let watches = state.withLock { state -> [Watch] in
            state.failure = error
            defer { state.watches = [:] }
            return Array(state.watches.values)
        }
        for watch in watches { watch.end(error, replacing: false) }
    }
}

/// The epoll thread runs tasks too: a client's reader task prefers it as its executor
/// (``readerExecutor``), so the readiness it waits for resumes it right here.
extension Reactor: TaskExecutor {
    package func enqueue(_ job: consuming ExecutorJob) {
        jobs.enqueue(UnownedJob(job))
    }

    /// Whether the caller runs on this reactor's epoll thread.
    package var isCurrentThread: Bool { jobs.isCurrentThread }
}
