import QMPCore

/// Who is waiting for which reply, as a pure value with no locking.
///
/// The ``Session`` keeps it behind a `Mutex`; every mutating method returns
/// what the caller must resume, so continuations are resumed outside the lock.
struct PendingCommands {
    typealias Waiter = CheckedContinuation<Result<Message, QMPError>, Never>

    private enum Entry {
        case waiting(Waiter)
        /// Cancellation ran before the waiter was stored; the waiter fails on arrival.
        case cancelledEarly
    }

    private var byID: [JSONValue: Entry] = [:]
    /// Commands sent without an id, oldest first; QEMU answers those in order, without an id.
    /// A cancelled one stays as `nil` so its late reply is not handed to the next waiter.
    private var idless: [(token: Int, waiter: Waiter?)] = []
    private var nextToken = 0
    /// Ids whose caller gave up (cancelled or timed out): their late replies are dropped quietly.
    private var abandoned: Set<JSONValue> = []
    /// Set once the session ends; later waiters fail at once with it.
    private(set) var closedError: QMPError?
    /// Replies whose id nobody was waiting for.
    private(set) var unknownReplies = 0

    /// Names a command for ``add(_:key:)`` and ``abandon(_:)``.
    enum Key: Sendable {
        case id(JSONValue)
        /// A command sent without an id, by its place in line.
        case idless(token: Int)
    }

    /// A key for the next command; `id == nil` reserves a place among the id-less.
    mutating func makeKey(id: JSONValue?) -> Key {
        guard let id else {
            nextToken += 1
            return .idless(token: nextToken)
        }
        return .id(id)
    }

    /// Whether the command with `key` still waits for its reply.
    func contains(_ key: Key) -> Bool {
        switch key {
        case .id(let id):
            if case .waiting? = byID[id] { return true }
            return false
        case .idless(let token):
            return idless.contains { $0.token == token && $0.waiter != nil }
        }
    }

    var count: Int { byID.count + idless.count(where: { $0.waiter != nil }) }

    /// Stores `waiter`; returns the result to resume it with at once, if any.
    mutating func add(_ waiter: Waiter, key: Key) -> Result<Message, QMPError>? {
        if let closedError { return .failure(closedError) }
        let id: JSONValue
        switch key {
        case .idless(let token):
            if abandonedTokens.remove(token) != nil { return .failure(.cancelled("QMP command")) }
            idless.append((token, waiter))
            return nil
        case .id(let value):
            id = value
        }
        switch byID[id] {
        case .cancelledEarly?:
            byID[id] = nil
            return .failure(.cancelled("QMP command"))
        case .waiting?:
            return .failure(QMPError(.invalidState, "a command with id \(id) is already pending; ids must be unique"))
        case nil:
            byID[id] = .waiting(waiter)
            return nil
        }
    }

    /// Id-less commands cancelled before their waiter was stored.
    private var abandonedTokens: Set<Int> = []

    /// The caller stopped waiting; returns the waiter to fail, if it was stored.
    mutating func abandon(_ key: Key) -> Waiter? {
        let id: JSONValue
        switch key {
        case .idless(let token):
            guard let index = idless.firstIndex(where: { $0.token == token }) else {
                if closedError == nil { abandonedTokens.insert(token) }
                return nil
            }
            defer { idless[index].waiter = nil }
            return idless[index].waiter
        case .id(let value):
            id = value
        }
        switch byID[id] {
        case .waiting(let waiter)?:
            byID[id] = nil
            abandoned.insert(id)
            return waiter
        case .cancelledEarly?:
            return nil
        case nil:
            if closedError == nil {
                byID[id] = .cancelledEarly
                abandoned.insert(id)
            }
            return nil
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
            if idless.isEmpty {
                unknownReplies += 1
                return message.kind == .error ? .protocolError : .drop
            }
            guard let waiter = idless.removeFirst().waiter else { return .drop }
            return .resume(waiter)
        }
        if case .waiting(let waiter)? = byID.removeValue(forKey: id) {
            return .resume(waiter)
        }
        if abandoned.remove(id) == nil { unknownReplies += 1 }
        return .drop
    }

    /// Ends the table: returns every waiter, all of which must fail with `error`.
    mutating func close(with error: QMPError) -> [Waiter] {
        guard closedError == nil else { return [] }
        closedError = error
        var waiters = idless.compactMap(\.waiter)
        for case .waiting(let waiter) in byID.values { waiters.append(waiter) }
        byID = [:]
        idless = []
        abandoned = []
        abandonedTokens = []
        return waiters
    }
}
