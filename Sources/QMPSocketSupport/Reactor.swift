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
/// Swift's cooperative pool. Every socket is non-blocking and registered once,
/// edge-triggered, for reading and writing. A task that hits EAGAIN awaits
/// ``waitUntilReadable(_:)`` or ``waitUntilWritable(_:)``; the epoll thread
/// resumes it when the kernel reports readiness.
///
/// No wakeup is lost: readiness that arrives while nobody waits is latched and
/// consumed by the next wait (a stale latch only costs one extra EAGAIN).
/// Registrations are keyed by a unique id, not the fd number, so an event
/// still in flight for a closed fd can never wake a newer socket that reused
/// the number.
package final class Reactor: Sendable {
    package static let shared: Reactor? = try? Reactor()

    package static func get() throws(QMPError) -> Reactor {
        guard let shared else { throw QMPError(.transportFailed, "could not start the epoll thread") }
        return shared
    }

    private struct Interest {
        var ready = false
        var waiter: CheckedContinuation<Result<Void, QMPError>, Never>?
    }

    private struct Registration {
        var read = Interest()
        var write = Interest()
        var closedError: QMPError?
    }

    private struct State {
        var registrations: [UInt64: Registration] = [:]
        var nextID: UInt64 = 1
    }

    private let epollFD: Int32
    private let state = Mutex(State())

    private init() throws(QMPError) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError.transport("epoll_create1", errno: errno) }
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
            throw SocketError.transport("pthread_create", errno: rc)
        }
        pthread_detach(thread)
    }

    /// Starts watching `fd`; returns the id for the other calls.
    package func register(_ fd: Int32) throws(QMPError) -> UInt64 {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.registrations[state.nextID] = Registration()
            return state.nextID
        }
        let flags = cqmp_epoll_in() | cqmp_epoll_out() | cqmp_epoll_rdhup() | cqmp_epoll_et()
        var event = epoll_event(events: flags, data: epoll_data(u64: id))
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else {
            let code = errno
            _ = state.withLock { $0.registrations.removeValue(forKey: id) }
            throw SocketError.transport("epoll_ctl(ADD)", errno: code)
        }
        return id
    }

    /// Stops epoll reporting `fd`.
    ///
    /// Call it exactly once, while `fd` is certainly open: once it is closed its number
    /// can be reused by a new socket at any moment, and `EPOLL_CTL_DEL` on that number
    /// would silently remove the new socket's registration, leaving its reads waiting forever.
    package func unwatch(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
    }

    /// Forgets registration `id` and fails its waiters with `error`. Idempotent.
    package func forget(_ id: UInt64, error: QMPError) {
        let registration = state.withLock { $0.registrations.removeValue(forKey: id) }
        registration?.read.waiter?.resume(returning: .failure(error))
        registration?.write.waiter?.resume(returning: .failure(error))
    }

    package func waitUntilReadable(_ id: UInt64) async throws(QMPError) {
        try await wait(id, .read)
    }

    package func waitUntilWritable(_ id: UInt64) async throws(QMPError) {
        try await wait(id, .write)
    }

    private enum Direction: Sendable {
        case read, write

        var keyPath: WritableKeyPath<Registration, Interest> {
            switch self {
            case .read: return \.read
            case .write: return \.write
            }
        }
    }

    private func wait(_ id: UInt64, _ direction: Direction) async throws(QMPError) {
        let result: Result<Void, QMPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let interest = direction.keyPath
                let immediate: Result<Void, QMPError>? = state.withLock { state in
                    guard var registration = state.registrations[id] else {
                        return .failure(QMPError(.disconnected, "the socket is closed"))
                    }
                    if Task.isCancelled { return .failure(.cancelled("waiting for the socket")) }
                    if registration[keyPath: interest].ready {
                        registration[keyPath: interest].ready = false
                        state.registrations[id] = registration
                        return .success(())
                    }
                    registration[keyPath: interest].waiter = continuation
                    state.registrations[id] = registration
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let interest = direction.keyPath
            let waiter = state.withLock { state -> CheckedContinuation<Result<Void, QMPError>, Never>? in
                guard let waiter = state.registrations[id]?[keyPath: interest].waiter else { return nil }
                state.registrations[id]?[keyPath: interest].waiter = nil
                return waiter
            }
            waiter?.resume(returning: .failure(.cancelled("waiting for the socket")))
        }
        try result.get()
    }

    private func run() {
        let capacity = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        var wake: [CheckedContinuation<Result<Void, QMPError>, Never>] = []
        while true {
            let count = epoll_wait(epollFD, events, Int32(capacity), -1)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            state.withLock { state in
                for index in 0..<Int(count) {
                    let event = events[index]
                    let id = event.data.u64
                    guard var registration = state.registrations[id] else { continue }
                    let flags = event.events
                    let failed = flags & (cqmp_epoll_err() | cqmp_epoll_hup()) != 0
                    if failed || flags & (cqmp_epoll_in() | cqmp_epoll_rdhup()) != 0 {
                        if let waiter = registration.read.waiter {
                            wake.append(waiter)
                            registration.read.waiter = nil
                        } else {
                            registration.read.ready = true
                        }
                    }
                    if failed || flags & cqmp_epoll_out() != 0 {
                        if let waiter = registration.write.waiter {
                            wake.append(waiter)
                            registration.write.waiter = nil
                        } else {
                            registration.write.ready = true
                        }
                    }
                    state.registrations[id] = registration
                }
            }
            for waiter in wake { waiter.resume(returning: .success(())) }
            wake.removeAll(keepingCapacity: true)
        }
    }
}
