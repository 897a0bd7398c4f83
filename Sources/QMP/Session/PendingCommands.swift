import QMPCore
import QMPEvents

/// Who is waiting for which reply, as a pure value with no locking.
///
/// The ``Session`` keeps it behind a `Lock`; every mutating method returns
/// what the caller must resume, so continuations are resumed outside the lock.
///
/// A command is sent before its caller's waiter is stored (see `Session.send`), so
/// each command moves through its own states: ``send(id:)`` records it as sent,
/// ``wait(_:key:)`` stores the waiter, or returns at once the reply, timeout or
/// cancellation that came first. A give-up after the reply, or a reply after a
/// give-up, leaves nothing behind.
struct PendingCommands {
    /// Unchecked, sparing an allocation per command, because the table itself guarantees
    /// what the checked kind would trap on: a waiter is stored in one entry only, and
    /// leaves the table through exactly one of ``reply(_:)``, ``abandon(_:with:)`` and
    /// ``close(with:)``, each of which returns it for its caller to resume; ``wait(_:key:)``
    /// stores none when it returns a result to resume with instead.
    typealias Waiter = UnsafeContinuation<Result<Message, QMPError>, Never>

    private enum Entry {
        /// Sent; nobody waits yet.
        case sent
        case waiting(Waiter)
        /// Answered before its waiter was stored.
        case answered(Message)
        /// Given up (timed out, cancelled) before its waiter was stored.
        case givenUp(QMPError)
    }

    /// Names a command for ``wait(_:key:)`` and ``abandon(_:with:)``.
    struct Key: Sendable {
        /// The command's id, or `nil` for a command sent without one.
        let id: JSONValue?
        /// Unique within the table: tells this command from a later one that reuses its id.
        let token: Int
    }

    private var entries: [Int: Entry] = [:]
    /// The token of the command that holds each id, until its reply or give-up.
    private var tokenByID: [JSONValue: Int] = [:]
    /// Commands sent without an id, oldest first; QEMU answers those in order, without an id.
    /// A given-up one stays in line so that its late reply is not handed to the next.
    private var idlessLine = RingBuffer<Int>()
    private var nextToken = 0
    /// Ids whose caller gave up after sending: their late replies are dropped quietly.
    private var abandoned: Set<JSONValue> = []
    /// Set once the session ends; later commands fail at once with it.
    private(set) var closedError: QMPError?
    /// Replies whose id nobody was waiting for.
    private(set) var unknownReplies = 0
    /// Commands sent and not yet answered nor given up.
    private(set) var count = 0
    /// Whether an id-less reply would answer a command (one given up included).
    var awaitsIDlessReply: Bool { idlessLine.count > 0 }

    /// Records a command as sent (the caller sends it right after).
    /// - Throws: the session's end, or ``QMPError/Code/invalidState`` when another command
    ///   holds `id`, or held it and was given up before its reply came: that late reply
    ///   would be taken for this command's.
    mutating func send(id: JSONValue?) throws(QMPError) -> Key {
        if let closedError { throw closedError }
        if let id, tokenByID[id] != nil {
            throw QMPError(.invalidState, "a command with id \(id) is already pending; ids must be unique")
        }
        if let id, abandoned.contains(id) {
            throw QMPError(
                .invalidState,
                "id \(id) belongs to a command that was given up and whose reply has not come: its late reply would be taken for this one's; use another id"
            )
        }
        nextToken += 1
        let key = Key(id: id, token: nextToken)
        if let id { tokenByID[id] = key.token } else { idlessLine.append(key.token) }
        entries[key.token] = .sent
        count += 1
        return key
    }

    /// Stores `waiter` for a sent command; returns the result to resume it with at once, if
    /// the reply, a give-up or the end of the session came first.
    mutating func wait(_ waiter: Waiter, key: Key) -> Result<Message, QMPError>? {
        // One lookup: the entry is replaced in place through its index.
        guard let index = entries.index(forKey: key.token), case .sent = entries.values[index] else {
            return outcome(of: key)
        }
        entries.values[index] = .waiting(waiter)
        return nil
    }

    /// For a caller that reads its own reply (see ``ReadRole``): the reply, give-up or end
    /// that came for a sent command, taken out of the table; `nil` while none has.
    mutating func outcome(of key: Key) -> Result<Message, QMPError>? {
        switch entries[key.token] {
        case .sent?:
            return nil
        case .answered(let reply)?:
            entries[key.token] = nil
            return .success(reply)
        case .givenUp(let error)?:
            entries[key.token] = nil
            return .failure(error)
        case .waiting?, nil:
            return .failure(closedError ?? QMPError(.invalidState, "the command was not sent"))
        }
    }

    /// The caller stopped waiting (cancelled or timed out); returns the waiter to fail, if it
    /// was stored. A command whose reply is already in keeps it.
    mutating func abandon(_ key: Key, with error: QMPError) -> Waiter? {
        let waiter: Waiter?
        switch entries[key.token] {
        case .sent?:
            entries[key.token] = .givenUp(error)
            waiter = nil
        case .waiting(let stored)?:
            entries[key.token] = nil
            waiter = stored
        case .answered?, .givenUp?, nil:
            return nil
        }
        count -= 1
        if let id = key.id {
            tokenByID[id] = nil
            abandoned.insert(id)
        }
        return waiter
    }

    /// What to do with a reply that arrived from the peer.
    enum ReplyAction {
        case resume(Waiter)
        case drop
        /// An id-less error nobody expected: the peer misunderstood us badly.
        case protocolError
    }

    mutating func reply(_ message: Message) -> ReplyAction {
        let token: Int
        if let id = message.id {
            guard let holder = tokenByID.removeValue(forKey: id) else {
                if abandoned.remove(id) == nil { unknownReplies += 1 }
                return .drop
            }
            token = holder
        } else {
            guard let first = idlessLine.popFirst() else {
                unknownReplies += 1
                return message.kind == .error ? .protocolError : .drop
            }
            token = first
        }
        // Taken out, so the waiter moves instead of being copied; put back as answered
        // for a caller that has not stored its waiter yet.
        switch entries.removeValue(forKey: token) {
        case .sent?:
            entries[token] = .answered(message)
        case .waiting(let waiter)?:
            count -= 1
            return .resume(waiter)
        case let other?:
            // An id-less command given up: its reply goes nowhere.
            entries[token] = other
            return .drop
        case nil:
            return .drop
        }
        count -= 1
        return .drop
    }

    /// Ends the table: returns every stored waiter, all of which must fail with `error`.
    /// Commands not waiting yet fail in ``wait(_:key:)``, unless their reply is already in.
    mutating func close(with error: QMPError) -> [Waiter] {
        guard closedError == nil else { return [] }
        closedError = error
        var waiters: [Waiter] = []
        for (token, entry) in entries {
            switch entry {
            case .waiting(let waiter):
                waiters.append(waiter)
                entries[token] = nil
            case .sent:
                entries[token] = .givenUp(error)
            case .answered, .givenUp:
                break
            }
        }
        tokenByID = [:]
        idlessLine = RingBuffer()
        abandoned = []
        count = 0
        return waiters
    }
}
