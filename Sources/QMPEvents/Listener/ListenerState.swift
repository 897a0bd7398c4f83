import QMPCore

/// A listener's queue, history and waiters, as a pure value with no locking.
///
/// ``ListenerStorage`` keeps it behind a `Lock`; methods return the waiter to
/// resume, so continuations are resumed after the lock is released.
struct ListenerState {
    typealias Waiter = CheckedContinuation<Result<Event, QMPError>, Never>

    let policy: BufferingPolicy
    let historyLimit: Int?

    /// Unread events, oldest first.
    private var queue = SegmentedQueue<Event>()
    /// The latest accepted events, up to `historyLimit`.
    private var recent = SegmentedQueue<Event>()
    private var waiters: [(token: UInt64, waiter: Waiter)] = []
    private var nextToken: UInt64 = 0
    /// Why the session ended, once it has; cleared when a new one starts.
    private(set) var endError: QMPError?
    /// Set when the listener is removed from its hub, until it is registered again: it
    /// hears nothing more, and reads fail with this even while the session runs on.
    private var removal: QMPError?
    /// What reads fail with once the queue is empty.
    private var finalError: QMPError? { removal ?? endError }
    private(set) var droppedCount = 0
    /// The hub's number for the session the listener is in (see `EventHub.startSession()`);
    /// batches numbered otherwise are a finished session's, read after this one started.
    private var session: UInt64 = 0

    init(policy: BufferingPolicy, historyLimit: Int?) {
        self.policy = policy
        self.historyLimit = historyLimit
    }

    var pendingCount: Int { queue.count }

    var waitingCount: Int { waiters.count }

    /// Records accepted events; returns the waiters they complete, paired with their events.
    ///
    /// One call per batch the reader hands over: waiters are served first, the
    /// rest is queued under the policy in bulk.
    mutating func accept(contentsOf events: ArraySlice<Event>, session: UInt64? = nil) -> [(Waiter, Event)] {
        // A dispatch that took its snapshot before the removal: the listener is out already.
        guard removal == nil else { return [] }
        if let session, session != self.session { return [] }
        appendHistory(contentsOf: events)
        var remaining = events
        var completed: [(Waiter, Event)] = []
        while !waiters.isEmpty, let event = remaining.popFirst() {
            completed.append((waiters.removeFirst().waiter, event))
        }
        guard !remaining.isEmpty else { return completed }
        switch policy.storage {
        case .unbounded:
            queue.append(contentsOf: remaining)
        case .oldest(let limit):
            let room = min(max(0, limit - queue.count), remaining.count)
            queue.append(contentsOf: remaining.prefix(room))
            droppedCount += remaining.count - room
        case .newest(let limit):
            // Only the latest `limit` of queue + batch survive.
            queue.append(contentsOf: remaining)
            let excess = queue.count - limit
            if excess > 0 {
                queue.removeFirst(excess)
                droppedCount += excess
            }
        }
        return completed
    }

    /// Records an accepted event; returns the waiter it completes, if one was waiting.
    mutating func accept(_ event: Event) -> Waiter? {
        accept(contentsOf: [event][...]).first?.0
    }

    var history: [Event] { recent.elements }

    private mutating func appendHistory(contentsOf events: ArraySlice<Event>) {
        guard historyLimit != 0 else { return }
        recent.append(contentsOf: events)
        if let historyLimit, recent.count > historyLimit { recent.removeFirst(recent.count - historyLimit) }
    }

    /// What a reader gets right now.
    enum Next {
        case event(Event)
        case ended(QMPError)
        case wait
    }

    /// The next queued event without waiting, or the end; `nil` when the caller must wait.
    mutating func nextIfReady() -> Next? {
        if let event = queue.popFirst() { return .event(event) }
        if let finalError { return .ended(finalError) }
        return nil
    }

    /// A token for the next ``next(orWait:token:)``, handed out first so that
    /// cancellation can name a wait that has not been registered yet.
    mutating func makeToken() -> UInt64 {
        nextToken += 1
        unregistered[nextToken] = .some(nil)
        return nextToken
    }

    /// Tokens handed out whose wait is not registered yet, with the error of a give-up
    /// (cancellation, timeout) that came first.
    /// Readers register in any order, so only this, not a token's rank, says which step it is at.
    private var unregistered: [UInt64: QMPError?] = [:]

    /// Takes the next event, or the end, or registers `waiter` and says to wait.
    mutating func next(orWait waiter: Waiter, token: UInt64) -> Next {
        if case .some(.some(let error)) = unregistered.removeValue(forKey: token) { return .ended(error) }
        if let event = queue.popFirst() { return .event(event) }
        if let finalError { return .ended(finalError) }
        waiters.append((token, waiter))
        return .wait
    }

    /// A waiting reader gave up (cancelled, or timed out with `error`); returns its waiter
    /// if it was still waiting, to be resumed with that error.
    mutating func cancelWait(token: UInt64, error: QMPError = .cancelled("waiting for an event")) -> Waiter? {
        if unregistered[token] != nil {
            // Not registered yet: its registration fails instead.
            unregistered[token] = .some(error)
            return nil
        }
        // Registered and gone: it completed.
        guard let index = waiters.firstIndex(where: { $0.token == token }) else { return nil }
        return waiters.remove(at: index).waiter
    }

    /// Empties the queue; returns the events removed.
    mutating func clear() -> [Event] {
        queue.removeAll()
    }

    /// The session ended: returns every waiter, all of which must end with `error`.
    mutating func end(with error: QMPError) -> [Waiter] {
        endError = error
        defer { waiters.removeAll() }
        return waiters.map(\.waiter)
    }

    /// The listener was removed from its hub: the queue goes, and every waiter is returned,
    /// to end with `error`, as later reads do until it joins a hub again. History is kept.
    mutating func remove(with error: QMPError) -> [Waiter] {
        removal = error
        queue.reset()
        defer { waiters.removeAll() }
        return waiters.map(\.waiter)
    }

    /// The listener joined a hub: a removal no longer applies, and the session is in the
    /// hub's state, over with `endedSession` or not over. Returns the waiters to end with it.
    mutating func join(endedSession: QMPError?, session: UInt64) -> [Waiter] {
        removal = nil
        self.session = session
        guard let endedSession else {
            endError = nil
            return []
        }
        return end(with: endedSession)
    }

    /// A new session starts: stale events go, waits work again. History is kept.
    mutating func restart(session: UInt64? = nil) {
        if let session { self.session = session }
        endError = nil
        queue.reset()
    }
}
