import QMPCore

/// A listener's queue, history and waiters, as a pure value with no locking.
///
/// ``ListenerStorage`` keeps it behind a `Mutex`; methods return the waiter to
/// resume, so continuations are resumed after the lock is released.
struct ListenerState {
    typealias Waiter = CheckedContinuation<Result<Event, QMPError>, Never>

    let policy: BufferingPolicy
    let historyLimit: Int?

    /// Unread events, oldest first (unless ``sharesHistory``).
    private var queue = RingBuffer<Event>()
    /// The latest accepted events, up to `historyLimit`: a ring, so trimming moves nothing.
    private var recent = RingBuffer<Event>()
    /// Whether the unread events are simply the newest ``unread`` entries of `recent`,
    /// with `queue` unused. That holds when the queue keeps the newest events and the
    /// history keeps at least as many: the built-in `events` listener (1,000 of each),
    /// which otherwise stored, and later dropped, every event of a flood twice.
    let sharesHistory: Bool
    /// With ``sharesHistory``: how many of the newest history entries are unread.
    private var unread = 0
    private var waiters: [(token: UInt64, waiter: Waiter)] = []
    private var nextToken: UInt64 = 0
    /// Why the session ended, once it has; cleared when a new one starts.
    private(set) var endError: QMPError?
    private(set) var droppedCount = 0

    /// - Parameter sharingHistory: For tests, to compare the two ways of keeping unread
    ///   events; by default the history is shared whenever it can be.
    init(policy: BufferingPolicy, historyLimit: Int?, sharingHistory: Bool? = nil) {
        self.policy = policy
        self.historyLimit = historyLimit
        let canShare: Bool
        switch (policy.storage, historyLimit) {
        case (.unbounded, nil), (.newest, nil): canShare = true
        case (.newest(let limit), let history?): canShare = history > 0 && history >= limit
        default: canShare = false
        }
        sharesHistory = canShare && (sharingHistory ?? true)
    }

    var pendingCount: Int { sharesHistory ? unread : queue.count }

    var waitingCount: Int { waiters.count }

    /// Records accepted events; returns the waiters they complete, paired with their events.
    ///
    /// One call per batch the reader hands over: waiters are served first, the
    /// rest is queued under the policy in bulk.
    mutating func accept(contentsOf events: some Collection<Event>) -> [(Waiter, Event)] {
        appendHistory(contentsOf: events)
        var remaining = events[...]
        var completed: [(Waiter, Event)] = []
        while !waiters.isEmpty, let event = remaining.popFirst() {
            completed.append((waiters.removeFirst().waiter, event))
        }
        guard !remaining.isEmpty else { return completed }
        if sharesHistory {
            // The remaining events are the newest in `recent` already.
            let total = unread + remaining.count
            if case .newest(let limit) = policy.storage, total > limit {
                droppedCount += total - limit
                unread = limit
            } else {
                unread = total
            }
            return completed
        }
        switch policy.storage {
        case .unbounded:
            queue.append(contentsOf: remaining)
        case .oldest(let limit):
            let room = min(max(0, limit - queue.count), remaining.count)
            queue.append(contentsOf: remaining.prefix(room))
            droppedCount += remaining.count - room
        case .newest(let limit):
            // Only the latest `limit` of queue + batch survive.
            let kept = min(remaining.count, limit)
            var excess = queue.count + kept - limit
            droppedCount += remaining.count - kept
            while excess > 0 {
                queue.removeFirst()
                droppedCount += 1
                excess -= 1
            }
            queue.append(contentsOf: remaining.suffix(kept))
        }
        return completed
    }

    /// Records an accepted event; returns the waiter it completes, if one was waiting.
    mutating func accept(_ event: Event) -> Waiter? {
        accept(contentsOf: CollectionOfOne(event)).first?.0
    }

    var history: [Event] { recent.elements }

    private mutating func appendHistory(contentsOf events: some Collection<Event>) {
        guard let historyLimit else {
            recent.append(contentsOf: events)
            return
        }
        guard historyLimit > 0 else { return }
        // Of a batch longer than the limit, only its tail survives.
        for event in events.dropFirst(max(0, events.count - historyLimit)) {
            if recent.count == historyLimit { recent.removeFirst() }
            recent.append(event)
        }
    }

    /// What a reader gets right now.
    enum Next {
        case event(Event)
        case ended(QMPError)
        case wait
    }

    /// The next queued event without waiting, or the end; `nil` when the caller must wait.
    mutating func nextIfReady() -> Next? {
        if let event = popUnread() { return .event(event) }
        if let endError { return .ended(endError) }
        return nil
    }

    /// A token for the next ``next(orWait:token:)``, handed out first so that
    /// cancellation can name a wait that has not been registered yet.
    mutating func makeToken() -> UInt64 {
        nextToken += 1
        return nextToken
    }

    /// Tokens cancelled before their wait was registered.
    private var cancelledEarly: Set<UInt64> = []
    /// Every token up to this one has been registered (or cancelled early).
    private var highestRegistered: UInt64 = 0

    /// Takes the next event, or the end, or registers `waiter` and says to wait.
    mutating func next(orWait waiter: Waiter, token: UInt64) -> Next {
        highestRegistered = max(highestRegistered, token)
        if cancelledEarly.remove(token) != nil { return .ended(.cancelled("waiting for an event")) }
        if let event = popUnread() { return .event(event) }
        if let endError { return .ended(endError) }
        waiters.append((token, waiter))
        return .wait
    }

    /// A waiting reader gave up; returns its waiter if it was still waiting.
    mutating func cancelWait(token: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.token == token }) else {
            // Not registered yet: make the registration fail. Registered and gone: it completed.
            if token > highestRegistered { cancelledEarly.insert(token) }
            return nil
        }
        return waiters.remove(at: index).waiter
    }

    /// The oldest unread event, taken off the queue.
    private mutating func popUnread() -> Event? {
        guard sharesHistory else { return queue.popFirst() }
        guard unread > 0, let event = recent.element(at: recent.count - unread) else { return nil }
        unread -= 1
        return event
    }

    /// Empties the queue; returns the events removed.
    mutating func clear() -> [Event] {
        guard sharesHistory else { return queue.removeAll() }
        defer { unread = 0 }
        return (recent.count - unread..<recent.count).compactMap { recent.element(at: $0) }
    }

    /// The session ended: returns every waiter, all of which must end with `error`.
    mutating func end(with error: QMPError) -> [Waiter] {
        endError = error
        defer { waiters.removeAll() }
        return waiters.map(\.waiter)
    }

    /// A new session starts: stale events go, waits work again. History is kept.
    mutating func restart() {
        endError = nil
        queue.reset()
        unread = 0
    }
}
