import QMPCore

/// Who is waiting for which reply, as a pure value with no locking.
///
/// The ``Session`` keeps it behind a `Mutex`; every mutating method returns
/// what the caller must resume, so continuations are resumed outside the lock.
///
/// Every command goes through three steps: ``reserve(id:)`` hands out a key,
/// ``add(_:key:)`` stores the waiter just before the command is sent, and a reply,
/// ``abandon(_:with:)`` or ``close(with:)`` ends it. Cancellation and timeouts can
/// run at any moment, before the waiter is stored as well as after its reply, so
/// each key remembers which step it is at: a give-up before ``add(_:key:)`` fails
/// the command there (with the give-up's own error), and a give-up after the reply
/// finds nothing and leaves nothing behind.
struct PendingCommands {
    typealias Waiter = CheckedContinuation<Result<Message, QMPError>, Never>

    private enum Entry {
        /// Handed out by ``reserve(id:)``; the waiter is not stored yet.
        case reserved
        /// Given up before the waiter was stored; ``add(_:key:)`` fails with the error.
        case givenUp(QMPError)
        case waiting(Waiter)
    }

    /// Names a command for ``add(_:key:)`` and ``abandon(_:with:)``.
    struct Key: Sendable {
        /// The command's id, or `nil` for a command sent without one.
        let id: JSONValue?
        /// Unique within the table: tells this command from a later one that reuses its id.
        let token: Int
    }

    /// Commands with an id, with the token of the command that holds the id.
    private var byID: [JSONValue: (token: Int, entry: Entry)] = [:]
    /// Commands without an id that were reserved but not yet sent.
    private var idlessUnsent: [Int: Entry] = [:]
    /// Commands sent without an id, oldest first; QEMU answers those in order, without an id.
    /// A given-up one stays as `nil` so its late reply is not handed to the next waiter.
    private var idless = IdlessLine()
    private var nextToken = 0
    /// Ids whose caller gave up after sending: their late replies are dropped quietly.
    private var abandoned: Set<JSONValue> = []
    /// Set once the session ends; later waiters fail at once with it.
    private(set) var closedError: QMPError?
    /// Replies whose id nobody was waiting for.
    private(set) var unknownReplies = 0
    /// Commands sent and waiting for their reply.
    private(set) var count = 0

    /// A key for the next command; `id == nil` reserves a place among the id-less.
    /// - Throws: ``QMPError/Code/invalidState`` when another command holds `id`.
    mutating func reserve(id: JSONValue?) throws(QMPError) -> Key {
        if let closedError { throw closedError }
        nextToken += 1
        let key = Key(id: id, token: nextToken)
        guard let id else {
            idlessUnsent[key.token] = .reserved
            return key
        }
        guard byID[id] == nil else {
            throw QMPError(.invalidState, "a command with id \(id) is already pending; ids must be unique")
        }
        byID[id] = (key.token, .reserved)
        return key
    }

    /// Whether the command with `key` still waits for its reply.
    func contains(_ key: Key) -> Bool {
        guard let id = key.id else { return idless.contains(token: key.token) }
        guard let (token, entry) = byID[id], token == key.token, case .waiting = entry else { return false }
        return true
    }

    /// Stores `waiter` for a reserved key; returns the result to resume it with at once, if any
    /// (the command must then not be sent).
    mutating func add(_ waiter: Waiter, key: Key) -> Result<Message, QMPError>? {
        if let closedError { return .failure(closedError) }
        guard let id = key.id else {
            switch idlessUnsent.removeValue(forKey: key.token) {
            case .givenUp(let error)?: return .failure(error)
            case .reserved?, .waiting?, nil:
                idless.append(token: key.token, waiter: waiter)
                count += 1
                return nil
            }
        }
        guard let (token, entry) = byID[id], token == key.token else {
            return .failure(QMPError(.invalidState, "the command with id \(id) was not reserved"))
        }
        switch entry {
        case .givenUp(let error):
            byID[id] = nil
            return .failure(error)
        case .reserved, .waiting:
            byID[id] = (token, .waiting(waiter))
            count += 1
            return nil
        }
    }

    /// The caller stopped waiting (cancelled or timed out); returns the waiter to fail, if it
    /// was stored. Before ``add(_:key:)`` the command fails there with `error`; after its reply
    /// this does nothing.
    mutating func abandon(_ key: Key, with error: QMPError) -> Waiter? {
        guard let id = key.id else {
            if idlessUnsent[key.token] != nil {
                idlessUnsent[key.token] = .givenUp(error)
                return nil
            }
            guard let waiter = idless.abandon(token: key.token) else { return nil }
            count -= 1
            return waiter
        }
        guard let (token, entry) = byID[id], token == key.token else { return nil }
        switch entry {
        case .reserved:
            byID[id] = (token, .givenUp(error))
            return nil
        case .givenUp:
            return nil
        case .waiting(let waiter):
            byID[id] = nil
            abandoned.insert(id)
            count -= 1
            return waiter
        }
    }

    /// What to do with a reply that arrived from the peer.
    enum ReplyAction {
        case resume(Waiter)
        case drop
        /// An id-less error nobody expected: the peer misunderstood us badly.
        case protocolError
    }

    mutating func reply(_ message: Message) -> ReplyAction {
        guard let id = message.id else {
            guard let slot = idless.popFirst() else {
                unknownReplies += 1
                return message.kind == .error ? .protocolError : .drop
            }
            guard let waiter = slot else { return .drop }
            count -= 1
            return .resume(waiter)
        }
        if let (_, entry) = byID[id], case .waiting(let waiter) = entry {
            byID[id] = nil
            count -= 1
            return .resume(waiter)
        }
        if abandoned.remove(id) == nil { unknownReplies += 1 }
        return .drop
    }

    /// Ends the table: returns every waiter, all of which must fail with `error`.
    mutating func close(with error: QMPError) -> [Waiter] {
        guard closedError == nil else { return [] }
        closedError = error
        var waiters = idless.removeAll()
        for case (_, .waiting(let waiter)) in byID.values { waiters.append(waiter) }
        byID = [:]
        idlessUnsent = [:]
        abandoned = []
        count = 0
        return waiters
    }
}

/// The id-less commands in the order they were sent, each with its waiter or `nil` once given up.
private struct IdlessLine {
    private var slots: [(token: Int, waiter: PendingCommands.Waiter?)] = []
    /// Index of the oldest slot still in line; slots before it are answered.
    private var head = 0

    mutating func append(token: Int, waiter: PendingCommands.Waiter) {
        slots.append((token, waiter))
    }

    func contains(token: Int) -> Bool {
        slots[head...].contains { $0.token == token && $0.waiter != nil }
    }

    mutating func abandon(token: Int) -> PendingCommands.Waiter? {
        guard let index = slots[head...].firstIndex(where: { $0.token == token }) else { return nil }
        defer { slots[index].waiter = nil }
        return slots[index].waiter
    }

    /// The oldest slot: `.some(nil)` for a given-up command, `nil` when none is in line.
    mutating func popFirst() -> PendingCommands.Waiter?? {
        guard head < slots.count else { return nil }
        let waiter = slots[head].waiter
        head += 1
        // Compact once the answered prefix is at least half of the storage.
        if head * 2 >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return .some(waiter)
    }

    mutating func removeAll() -> [PendingCommands.Waiter] {
        defer { slots = []; head = 0 }
        return slots[head...].compactMap(\.waiter)
    }
}
