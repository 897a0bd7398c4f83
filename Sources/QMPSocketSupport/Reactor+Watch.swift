#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QMPCore
import CQMPSystem
import Synchronization

extension Reactor {
    typealias Continuation = CheckedContinuation<Result<Void, QMPError>, Never>

    /// One registered socket: its readiness per direction, the tasks waiting for it, and
    /// what epoll is asked to report for it.
    ///
    /// It has its own lock, so waits on different sockets never contend, and a
    /// connection reads its generations without touching the reactor's table.
    ///
    /// Epoll is asked only for what someone will act on, because every report wakes the
    /// epoll thread: writability only while a writer waits (a peer reading our command
    /// would otherwise report it once per command), readability except while a caller
    /// reads the socket itself (``pauseReadReports()``). Every change goes through
    /// `EPOLL_CTL_MOD`, which checks the socket's state at once, so a wait that asks for
    /// a direction that is already ready is woken as if the readiness had just come.
    package final class Watch: Sendable {
        let id: UInt64
        private let fd: Int32
        private let epollFD: Int32
        let state = Lock(WatchState())

        init(id: UInt64, fd: Int32, epollFD: Int32) {
            self.id = id
            self.fd = fd
            self.epollFD = epollFD
        }

        /// How many readiness reports `direction` has had. Read it before the
        /// non-blocking call whose EAGAIN leads to ``Reactor/wait(for:on:after:)``.
        package func generation(_ direction: Direction) -> UInt64 {
            state.withLock { $0[direction].generation }
        }

        /// Counts a readiness report that did not come from epoll and wakes the waiters
        /// of `direction`: someone else read in a waiter's place and hands the socket back.
        package func report(_ direction: Direction) {
            let waiters = state.withLock { state -> [Continuation] in
                state[direction].generation &+= 1
                defer { state[direction].waiters.removeAll() }
                return state[direction].waiters.map(\.continuation)
            }
            for waiter in waiters { waiter.resume(returning: .success(())) }
        }

        /// How many tasks wait on `direction` now: for tests, to act only once every task waits.
        package func waiterCount(_ direction: Direction) -> Int {
            state.withLock { $0[direction].waiters.count }
        }

        /// Whether epoll is asked to report `direction` now: for tests.
        package func isReported(_ direction: Direction) -> Bool {
            let events = state.withLock { $0.registeredEvents }
            return events & (direction == .read ? cqmp_epoll_in() : cqmp_epoll_out()) != 0
        }

        /// Stops epoll reporting readability until ``resumeReadReports()``, for a caller that
        /// reads the socket itself meanwhile: the task waiting to read (a session's reader)
        /// would only be woken to find the bytes are that caller's.
        package func pauseReadReports() {
            state.withLock { state in
                state.readsPaused = true
                _ = updateRegistration(&state)
            }
        }

        /// Reports readability again; at once when the socket is readable now, so bytes
        /// that came while reports were paused wake the readers waiting for them.
        ///
        /// Should epoll refuse, the watch ends with that error: its readers would otherwise
        /// wait forever.
        package func resumeReadReports() {
            let refused = state.withLock { state in
                state.readsPaused = false
                return updateRegistration(&state)
            }
            if let refused { end(SocketError.transport("epoll_ctl(MOD)", errno: refused), replacing: false) }
        }

        /// Removes the fd from epoll; later calls do nothing.
        ///
        /// Call it while the fd is certainly open, before it is closed: once it is, its
        /// number can be reused by a new socket at any moment, and an `epoll_ctl` naming
        /// it would silently change that socket's registration. Every `epoll_ctl` for
        /// this watch runs under its lock and only while it is registered, so none can
        /// come after this one.
        package func unregister() {
            state.withLock { state in
                guard state.isRegistered else { return }
                state.isRegistered = false
                var event = epoll_event()
                _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
            }
        }

        /// Asks epoll for what `state` wants reported; the errno when it refuses.
        func updateRegistration(_ state: inout WatchState) -> Int32? {
            let wanted = state.wantedEvents
            guard state.isRegistered, wanted != state.registeredEvents else { return nil }
            var event = epoll_event(events: wanted, data: epoll_data(u64: id))
            guard epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event) == 0 else { return errno }
            state.registeredEvents = wanted
            return nil
        }

        /// Marks the watch ended and fails its waiters; later waits fail at once with `error`.
        /// `replacing` lets a close override an earlier reactor failure, so a
        /// closed connection still reads as closed.
        func end(_ error: QMPError, replacing: Bool) {
            let waiters = state.withLock { state -> [Continuation] in
                if state.ended == nil || replacing { state.ended = error }
                let waiters = (state.read.waiters + state.write.waiters).map(\.continuation)
                state.read.waiters = []
                state.write.waiters = []
                return waiters
            }
            for waiter in waiters { waiter.resume(returning: .failure(error)) }
        }
    }

    struct Interest {
        var generation: UInt64 = 0
        /// Tagged with a token per wait, so a cancelled wait removes its own entry and no other.
        var waiters: [(token: UInt64, continuation: Continuation)] = []
    }

    struct WatchState {
        /// What a socket is registered for first: readability, edge-triggered.
        static let initialEvents = cqmp_epoll_in() | cqmp_epoll_rdhup() | cqmp_epoll_et()

        var read = Interest()
        var write = Interest()
        /// Set once the watch is forgotten or the reactor failed.
        var ended: QMPError?
        /// Whether epoll knows the fd; once not, no `epoll_ctl` may name it (see ``Watch/unregister()``).
        var isRegistered = true
        /// What epoll was last asked to report.
        var registeredEvents = WatchState.initialEvents
        /// While a caller reads the socket itself (see ``Watch/pauseReadReports()``).
        var readsPaused = false
        /// From a writer's wait until the first writability report that no writer waited for.
        var reportsWrites = false

        /// Peer shutdown always (it ends a wait either way), readability unless paused,
        /// writability while wanted.
        var wantedEvents: UInt32 {
            var events = cqmp_epoll_rdhup() | cqmp_epoll_et()
            if !readsPaused { events |= cqmp_epoll_in() }
            if reportsWrites { events |= cqmp_epoll_out() }
            return events
        }

        subscript(direction: Direction) -> Interest {
            get {
                switch direction {
                case .read: return read
                case .write: return write
                }
            }
            set {
                switch direction {
                case .read: read = newValue
                case .write: write = newValue
                }
            }
        }
    }
}
