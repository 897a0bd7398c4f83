public import QMPCore
import Synchronization

/// A FIFO queue of the events its filter accepts.
///
/// Register it with an ``EventSource`` (or use the scoped
/// ``EventSource/listener(_:policy:historyLimit:isolation:_:)-(Filter,_,_,_,_)``), then read with
/// ``get()`` or `for try await`:
///
/// ```swift
/// let stops = Listener(EventNames("STOP"))
/// try client.register(stops)
/// try await client.execute("stop")
/// let event = try await stops.get()
/// ```
///
/// - Every listener receives its own copy of each event it accepts, in arrival order.
/// - Each event is handed out exactly once per listener, whether by ``get()`` or by
///   iteration, however many tasks read concurrently.
/// - ``history`` records events the moment they are accepted, read or not, and
///   survives ``clear()``.
/// - When the source's session ends, queued events can still be read; after them
///   ``get()`` throws ``QMPError/Code/disconnected`` and iteration finishes, however
///   the session ended (a `connect()` that timed out or was cancelled included).
///   A new session (the same client connecting again) starts with an empty queue,
///   but ``history`` and ``droppedCount`` carry on: they still hold the previous
///   sessions' events and drops. Use a new listener to start from nothing.
/// - Cancelling a task that waits in ``get()`` or in `for try await` throws
///   ``QMPError`` with code ``QMPError/Code/cancelled``, not `CancellationError`:
///   `catch is CancellationError` does not match it.
public final class Listener<Filter: EventPredicate>: EventListening, Sendable {
    /// Which events this listener accepts.
    public let filter: Filter
    private let storage: ListenerStorage

    /// Creates a listener for the events `filter` accepts. It hears nothing until it
    /// is registered with a source (``EventSource/register(_:)``).
    ///
    /// - Parameters:
    ///   - filter: Which events to accept.
    ///   - policy: How many unread events to keep; ``BufferingPolicy/unbounded`` by default.
    ///   - historyLimit: How many events ``history`` keeps; `nil` keeps all.
    public convenience init(_ filter: Filter, policy: BufferingPolicy = .unbounded, historyLimit: Int? = 10_000) {
        self.init(accepting: filter, policy: policy, historyLimit: historyLimit)
    }

    /// The one designated initializer, under a label of its own so that the constrained
    /// `init(_:)` for names (`Listener("STOP")`) can call it.
    init(accepting filter: Filter, policy: BufferingPolicy, historyLimit: Int?) {
        self.filter = filter
        self.storage = ListenerStorage(ListenerState(policy: policy, historyLimit: historyLimit))
    }

    /// How many unread events the listener keeps, and which it drops when full.
    public var policy: BufferingPolicy { storage.state.withLock { $0.policy } }

    /// Every event accepted so far, oldest first, up to the history limit; kept across ``clear()``.
    ///
    /// It is not reset when the source reconnects: after a new session starts it
    /// still begins with the events of earlier sessions. Compare an event's
    /// ``Event/timestamp``, or note `history.count` when the session starts, to tell them apart.
    public var history: [Event] { storage.state.withLock { $0.history } }

    /// Whether no event is waiting to be read.
    public var isEmpty: Bool { storage.state.withLock { $0.pendingCount == 0 } }

    /// How many events are waiting to be read.
    public var count: Int { storage.state.withLock { $0.pendingCount } }

    /// How many reads are suspended waiting for an event; lets tests start racing at the right moment.
    package var waitingReaderCount: Int { storage.state.withLock { $0.waitingCount } }

    /// Events discarded because the buffering policy was full, since the listener was
    /// created (reconnecting does not reset it).
    public var droppedCount: Int { storage.state.withLock { $0.droppedCount } }

    /// Waits for the next event.
    ///
    /// It runs on the caller's executor: an event already queued is returned with no
    /// suspension at all, and a caller on the main actor or in an actor that has to
    /// wait resumes once, on its own executor.
    ///
    /// - Throws: ``QMPError/Code/disconnected`` once the session has ended and the
    ///   queue is empty, however it ended (the message says why: a `connect()` that
    ///   timed out or was cancelled ends it too); ``QMPError/Code/cancelled`` only when
    ///   this task is cancelled (no event is lost: one that arrives later stays queued);
    ///   ``QMPError/Code/listenerNotRegistered`` once the listener has been removed from
    ///   its source (also for a read that was waiting then), until it is registered again.
    nonisolated(nonsending) public func get() async throws(QMPError) -> Event {
        try await get(timeout: nil)
    }

    nonisolated(nonsending) private func nextResult() async -> Result<Event, QMPError> {
        if let ready = readyResult() { return ready }
        return await waitForResult()
    }

    /// The next event, or the end, if there is one without waiting. Synchronous, so
    /// draining a backlog costs no further async call per event.
    private func readyResult() -> Result<Event, QMPError>? {
        switch storage.state.withLock({ $0.nextIfReady() }) {
        case .event(let event)?: return .success(event)
        case .ended(let error)?: return .failure(error)
        case .wait?, nil: return nil
        }
    }

    /// Waits for the next event, for at most `timeout` (`nil` waits as long as ``get()``).
    ///
    /// ```swift
    /// let event = try await stops.get(timeout: .seconds(5))   // asyncio.wait_for(listener.get(), 5)
    /// ```
    ///
    /// - Throws: ``QMPError/Code/timedOut`` when no event came in time (one that arrives
    ///   later stays queued), and everything ``get()`` throws.
    nonisolated(nonsending) public func get(timeout: Duration?) async throws(QMPError) -> Event {
        if let ready = readyResult() { return try ready.get() }
        return try await waitForResult(timeout: timeout).get()
    }

    /// Waits for the next event or the end, honouring cancellation and `timeout`.
    nonisolated(nonsending) private func waitForResult(timeout: Duration? = nil) async -> Result<Event, QMPError> {
        if Task.isCancelled { return .failure(.cancelled("waiting for an event")) }
        let token = storage.state.withLock { $0.makeToken() }
        let timer = timeout.map { timeout in
            Task { [storage] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                let error = QMPError(.timedOut, "no event arrived within \(timeout)")
                storage.state.withLock { $0.cancelWait(token: token, error: error) }?.resume(returning: .failure(error))
            }
        }
        defer { timer?.cancel() }
        return await withCancellableContinuation { (continuation: ListenerState.Waiter) in
            switch self.storage.state.withLock({ $0.next(orWait: continuation, token: token) }) {
            case .event(let event): continuation.resume(returning: .success(event))
            case .ended(let error): continuation.resume(returning: .failure(error))
            case .wait: break
            }
        } onCancel: {
            self.storage.state.withLock { $0.cancelWait(token: token) }?
                .resume(returning: .failure(.cancelled("waiting for an event")))
        }
    }

    // MARK: EventListening

    /// Queues `event` if ``filter`` accepts it (waking one waiting reader), and
    /// records it in ``history``. Sources call this; you rarely need to.
    public func deliver(_ event: Event) {
        // The filter is user code: run it before taking the lock.
        guard filter.accepts(event) else { return }
        storage.state.withLock { $0.accept(event) }?.resume(returning: .success(event))
    }

    /// Queues the events ``filter`` accepts, in order, under one lock, waking at most
    /// as many waiting readers as there are accepted events.
    public func deliver(contentsOf events: [Event]) {
        deliver(contentsOf: events, ofSession: nil)
    }

    /// Queues the accepted events unless `session` is given and is no longer the listener's.
    private func deliver(contentsOf events: [Event], ofSession session: UInt64?) {
        guard let accepted = accepted(events) else { return }
        for (waiter, event) in storage.state.withLock({ $0.accept(contentsOf: accepted[...], session: session) }) {
            waiter.resume(returning: .success(event))
        }
    }

    /// The events the filter accepts, or `nil` for none. When it accepts all of
    /// them (a catch-all listener, the common case in a flood) the batch is
    /// shared rather than copied.
    private func accepted(_ events: [Event]) -> [Event]? {
        // `AllEvents` (the built-in listener) is not asked: listeners are called through
        // `any EventListening`, so this code is not specialised per filter, and asking cost
        // a witness call and a copy of each event.
        guard Filter.self != AllEvents.self,
              let firstRejected = events.firstIndex(where: { !filter.accepts($0) })
        else {
            return events.isEmpty ? nil : events
        }
        var accepted = Array(events[..<firstRejected])
        for event in events[(firstRejected + 1)...] where filter.accepts(event) { accepted.append(event) }
        return accepted.isEmpty ? nil : accepted
    }

    /// Marks the session as over: waiting readers fail now; later reads drain what is
    /// queued, then fail (iteration finishes instead).
    ///
    /// Readers fail with ``QMPError/Code/disconnected`` whatever `error`'s code: a session
    /// that ended because `connect()` timed out or was cancelled is, to a reader, one that
    /// ended. `error`'s code and message are kept in the message.
    public func sessionEnded(error: QMPError) {
        end(with: error)()
    }

    /// Ends the session in the state; returns what resumes its waiters, to run with no lock held.
    private func end(with cause: QMPError) -> () -> Void {
        let error = cause.asListenerSessionEnd
        return Self.failing(storage.state.withLock { $0.end(with: error) }, with: error)
    }

    /// What fails `waiters` with `error`, to run once no lock is held.
    private static func failing(_ waiters: [ListenerState.Waiter], with error: QMPError) -> () -> Void {
        { for waiter in waiters { waiter.resume(returning: .failure(error)) } }
    }

    /// Drops the unread events of the previous session and lets reads wait again.
    /// ``history`` and ``droppedCount`` are kept.
    public func sessionStarted() {
        storage.state.withLock { $0.restart() }
    }

    /// Removes and returns the unread events, oldest first; ``history`` is kept.
    @discardableResult
    public func clear() -> [Event] {
        storage.state.withLock { $0.clear() }
    }
}

extension Listener: HubMember {
    func joined(endedSession: QMPError?, session: UInt64) -> (() -> Void)? {
        let error = endedSession?.asListenerSessionEnd
        let waiters = storage.state.withLock { $0.join(endedSession: error, session: session) }
        guard let error, !waiters.isEmpty else { return nil }
        return Self.failing(waiters, with: error)
    }

    func started(session: UInt64) {
        storage.state.withLock { $0.restart(session: session) }
    }

    func deliver(contentsOf events: [Event], session: UInt64) {
        deliver(contentsOf: events, ofSession: session)
    }

    func left(with error: QMPError) -> () -> Void {
        Self.failing(storage.state.withLock { $0.remove(with: error) }, with: error)
    }
}

extension Listener where Filter == AllEvents {
    /// A listener for every event.
    public convenience init(policy: BufferingPolicy = .unbounded, historyLimit: Int? = 10_000) {
        self.init(AllEvents(), policy: policy, historyLimit: historyLimit)
    }
}

extension Listener: AsyncSequence {
    /// Iteration yields events.
    public typealias Element = Event
    /// Iteration throws only ``QMPError`` (code ``QMPError/Code/cancelled``).
    public typealias Failure = QMPError

    /// Reads events until the session ends or the listener is removed from its source
    /// (then `nil`); throws ``QMPError/Code/cancelled`` when the reading task is cancelled.
    /// `for try await` calls ``next(isolation:)``, which runs on the loop's own executor,
    /// like ``Listener/get()``. The error is a
    /// `QMPError`: `do throws(QMPError) { for try await event in listener { … } } catch { error.code }`.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let listener: Listener

        /// The next event; `nil` once the session has ended and the queue is drained, or
        /// once the listener has been removed.
        /// - Throws: ``QMPError/Code/cancelled`` when the task is cancelled.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(QMPError) -> Event? {
            try await next()
        }

        /// The next event, waiting on the caller's executor; the same as ``next(isolation:)``.
        /// - Throws: ``QMPError/Code/cancelled`` when the task is cancelled.
        nonisolated(nonsending) public mutating func next() async throws(QMPError) -> Event? {
            switch await listener.nextResult() {
            case .success(let event): return event
            case .failure(let error) where error.code == .cancelled: throw error
            case .failure: return nil
            }
        }
    }

    /// An iterator over this listener's queue; iterators of one listener share it,
    /// so each event goes to one of them.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(listener: self) }
}

@available(*, unavailable)
extension Listener.AsyncIterator: Sendable {}
