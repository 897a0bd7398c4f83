import QMPCore

/// A listener's queue, history and waiters, as a pure value with no locking.
///
/// ``ListenerStorage`` keeps it behind a `Mutex`; methods return the waiter to
/// resume, so continuations are resumed after the lock is released.
struct ListenerState {
    typealias Waiter = CheckedContinuation<Result<Event, QMPError>, Never>

    let policy: BufferingPolicy
    let historyLimit: Int?

    /// Unread events; `queueHead` skips the ones already handed out, so dequeuing is O(1).
    private var queue: [Event] = []
    private var queueHead = 0
    private(set) var history: [Event] = []
    private var waiters: [(token: UInt64, waiter: Waiter)] = []
    private var nextToken: UInt64 = 0
    /// Why the session ended, once it has; cleared when a new one starts.
    private(set) var endError: QMPError?
    private(set) var droppedCount = 0

    init(policy: BufferingPolicy, historyLimit: Int?) {
        self.policy = policy
        self.historyLimit = historyLimit
    }

    var pendingCount: Int { queue.count - queueHead }

    /// Records accepted events; returns the waiters they complete, paired with their events.
    mutating func accept(contentsOf events: [Event]) -> [(Waiter, Event)] {
        var completed: [(Waiter, Event)] = []
        for event in events {
            if let waiter = accept(event) { completed.append((waiter, event)) }
        }
        return completed
    }

    /// Records an accepted event; returns the waiter it completes, if one was waiting.
    mutating func accept(_ event: Event) -> Waiter? {
        appendHistory(event)
        if !waiters.isEmpty { return waiters.removeFirst().waiter }
        switch policy.storage {
        case .unbounded:
            break
        case .oldest(let limit):
            if pendingCount >= limit {
                droppedCount += 1
                return nil
            }
        case .newest(let limit):
            if limit == 0 {
                droppedCount += 1
                return nil
            }
            if pendingCount >= limit {
                queueHead += 1
                droppedCount += 1
            }
        }
        queue.append(event)
        compactQueueIfWasteful()
        return nil
    }

    private mutating func appendHistory(_ event: Event) {
        if historyLimit == 0 { return }
        history.append(event)
        if let historyLimit, history.count > historyLimit {
            // Trim in batches so appending stays amortised O(1).
            history.removeFirst(max(history.count - historyLimit, historyLimit / 2 + 1))
        }
    }

    private mutating func compactQueueIfWasteful() {
        if queueHead > 1_024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
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
        if queueHead < queue.count { return .event(dequeue()) }
        if let endError { return .ended(endError) }
        return nil
    }

    private mutating func dequeue() -> Event {
        let event = queue[queueHead]
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        }
        return event
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
        if queueHead < queue.count { return .event(dequeue()) }
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

    /// Empties the queue; returns the events removed.
    mutating func clear() -> [Event] {
        defer {
            queue.removeAll()
            queueHead = 0
        }
        return Array(queue[queueHead...])
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
        queue.removeAll()
        queueHead = 0
    }
}
