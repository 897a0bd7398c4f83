#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CQMPSystem
import QMPCore
import Synchronization

/// The jobs of tasks that run on the epoll thread: the ``Reactor``'s side as a `TaskExecutor`.
///
/// Why: a client's reader task waits for readiness, and the epoll thread that sees it
/// would otherwise resume that task on the global pool, waking a second thread to read
/// a reply the first could read itself. Run on the epoll thread, a reply costs one
/// thread wakeup fewer per round trip (sequential `query-status` to a local peer 20 to
/// 30% faster from every kind of caller). The price: what the reader runs, event
/// predicates and the trace handler included, runs on the one thread that serves every
/// socket, so it must not block (as on Swift's cooperative pool, where it ran before).
///
/// An `eventfd` registered with epoll wakes the thread for jobs enqueued elsewhere;
/// jobs enqueued on the epoll thread itself need no wakeup. Once the epoll thread has
/// stopped (see ``Reactor``), jobs go to the global executor, so no task is stranded.
final class ReactorJobs: Sendable {
    private struct State {
        var queue: [UnownedJob] = []
        /// The epoll thread will look at the queue before it blocks again: set by a
        /// wakeup written to the eventfd, cleared when it finds the queue empty.
        var isAwake = false
        /// The epoll thread has stopped: jobs go to the global executor.
        var isStopped = false
    }

    /// Readable whenever jobs were enqueued from another thread while the epoll thread slept.
    let eventFD: Int32
    private let state = Lock(State())
    /// The epoll thread's `pthread_t`, once it runs.
    private let epollThread = Atomic<UInt>(0)

    /// - Throws: ``QMPError/Code/transportFailed`` when no eventfd can be made.
    init() throws(QMPError) {
        eventFD = cqmp_eventfd()
        guard eventFD >= 0 else { throw SocketError.transport("eventfd", errno: errno) }
    }

    /// Called by the epoll thread when it starts.
    func bindToCurrentThread() {
        epollThread.store(UInt(pthread_self()), ordering: .releasing)
    }

    /// Whether the caller runs on the epoll thread.
    var isCurrentThread: Bool { epollThread.load(ordering: .acquiring) == UInt(pthread_self()) }

    func enqueue(_ job: UnownedJob) {
        let onEpollThread = isCurrentThread
        enum Action { case none, wake, forward }
        let action = state.withLock { state -> Action in
            if state.isStopped { return .forward }
            state.queue.append(job)
            guard !onEpollThread, !state.isAwake else { return .none }
            state.isAwake = true
            return .wake
        }
        switch action {
        case .none:
            break
        case .forward:
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        case .wake:
            var one: UInt64 = 1
            _ = write(eventFD, &one, MemoryLayout<UInt64>.size)
        }
    }

    /// The epoll thread stops: what is queued, and every later job, goes to the global executor.
    func stop() {
        let queued = state.withLock { state -> [UnownedJob] in
            state.isStopped = true
            defer { state.queue = [] }
            return state.queue
        }
        for job in queued { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Consumes the eventfd's wakeups; call when epoll reports it readable.
    func consumeWakeups() {
        var count: UInt64 = 0
        _ = read(eventFD, &count, MemoryLayout<UInt64>.size)
    }

    /// Runs the jobs queued now, not those they queue in turn, so that epoll is asked
    /// again between rounds and one busy connection cannot starve the others.
    /// - Returns: whether jobs are waiting (then epoll must not block).
    func runQueued(on executor: UnownedTaskExecutor) -> Bool {
        let batch = state.withLock { state -> [UnownedJob] in
            defer { state.queue = [] }
            return state.queue
        }
        for job in batch { job.runSynchronously(on: executor) }
        return state.withLock { state in
            if state.queue.isEmpty { state.isAwake = false }
            return !state.queue.isEmpty
        }
    }
}
