public import QMPCore
import Synchronization

/// The registry an event source dispatches through.
///
/// `QMPClient` owns one; any other source (a test double, a multiplexer) can
/// too. ``dispatch(_:)`` runs synchronously on the caller's thread and never
/// waits: it takes a snapshot of the registered listeners under a short lock
/// and offers the event to each with no lock held, so a listener's filter may
/// even register or remove listeners without deadlocking.
public final class EventHub: EventSource, Sendable {
    /// The built-in listener for every event: registered first, so it sees each event
    /// before the others, and never removable.
    public let events: Listener<AllEvents>
    private let registry: Lock<Registry>

    private struct Registry {
        var listeners: [Entry]
        /// Why the last session ended, until the next one starts: what a ``Listener``
        /// registered in between is told, or its reads would wait for a later session's end.
        var ended: QMPError?
        /// Counts the sessions started, so that a batch a session's reader dispatches after
        /// the next one started is told apart (see ``dispatch(contentsOf:session:)``).
        var session: UInt64 = 0
    }

    /// A listener, and the same object as a ``HubMember`` when it is one (cast once, here).
    private struct Entry {
        let listener: any EventListening
        let member: (any HubMember)?

        init(_ listener: any EventListening) {
            self.listener = listener
            member = listener as? any HubMember
        }
    }

    /// Creates a hub with only the built-in ``events`` listener registered.
    ///
    /// - Parameter eventsPolicy: Buffering of the built-in ``events`` listener;
    ///   bounded by default so a process that never reads it does not grow.
    /// - Parameter eventsHistoryLimit: How many events ``events`` keeps in its
    ///   ``Listener/history``; `nil` keeps all.
    public init(eventsPolicy: BufferingPolicy = .bufferingNewest(1_000), eventsHistoryLimit: Int? = 1_000) {
        let events = Listener(policy: eventsPolicy, historyLimit: eventsHistoryLimit)
        self.events = events
        self.registry = Lock(Registry(listeners: [Entry(events)]))
    }

    /// Starts delivering events to `listener`, after the listeners registered before it.
    ///
    /// A ``Listener`` registered while no session runs because the last one ended (the
    /// client is idle after a disconnect) is told so: its reads fail at once with
    /// ``QMPError/Code/disconnected``, like those of the listeners that saw the end, until
    /// the next session starts. One registered before the first session waits for it. (A
    /// custom ``EventListening`` is told only of the ends of sessions it was registered for.)
    /// - Throws: ``QMPError/Code/listenerAlreadyRegistered`` when it is registered already.
    public func register(_ listener: some EventListening) throws(QMPError) {
        try registry.withLock { registry throws(QMPError) in
            guard !registry.listeners.contains(where: { $0.listener === listener }) else {
                throw QMPError(.listenerAlreadyRegistered, "\(Self.name(of: listener)) is already registered")
            }
            let entry = Entry(listener)
            registry.listeners.append(entry)
            return entry.member?.joined(endedSession: registry.ended, session: registry.session)
        }?()
    }

    /// Stops delivering events to `listener`, then clears its queue (not its history).
    ///
    /// A removed ``Listener`` hears nothing more, so its reads do not wait: those waiting
    /// now and any made later fail with ``QMPError/Code/listenerNotRegistered`` (iteration
    /// finishes), until it is registered again.
    /// - Throws: ``QMPError/Code/cannotRemoveDefaultListener`` for ``events``;
    ///   ``QMPError/Code/listenerNotRegistered`` when it is not registered.
    public func remove(_ listener: some EventListening) throws(QMPError) {
        guard listener !== events else {
            throw QMPError(.cannotRemoveDefaultListener, "the built-in 'events' listener cannot be removed")
        }
        // Named before the lock is taken: a description may be user code (the filter's).
        let removed = listener is any HubMember
            ? QMPError(.listenerNotRegistered, "\(Self.name(of: listener)) was removed from its event source")
            : nil
        try registry.withLock { registry throws(QMPError) -> (() -> Void)? in
            guard let index = registry.listeners.firstIndex(where: { $0.listener === listener }) else {
                throw QMPError(.listenerNotRegistered, "\(Self.name(of: listener)) is not registered")
            }
            let entry = registry.listeners.remove(at: index)
            // Under the lock, so a registration again from another task cannot come first.
            guard let removed, let member = entry.member else { return nil }
            return member.left(with: removed)
        }?()
        listener.clear()
    }

    /// A listener's own description ("the listener for STOP"), or its type's for listeners without one.
    private static func name(of listener: some EventListening) -> String {
        (listener as? any CustomStringConvertible)?.description ?? "the listener \(type(of: listener))"
    }

    /// Whether `listener` is registered.
    public func isRegistered(_ listener: some EventListening) -> Bool {
        registry.withLock { $0.listeners.contains { $0.listener === listener } }
    }

    /// Offers `event` to every registered listener, in registration order.
    public func dispatch(_ event: Event) {
        let snapshot = registry.withLock { $0.listeners }
        for entry in snapshot { entry.listener.deliver(event) }
    }

    /// Offers `events`, in order, to every registered listener: one hand-over per listener
    /// for the whole batch.
    public func dispatch(contentsOf events: [Event]) {
        guard !events.isEmpty else { return }
        let snapshot = registry.withLock { $0.listeners }
        for entry in snapshot { entry.listener.deliver(contentsOf: events) }
    }

    /// Offers a batch read by the session ``startSession()`` numbered `session`.
    ///
    /// A session's reader may still be dispatching when the client has heard of its end,
    /// and has started the next one. Such a batch is dropped here when the next session
    /// has started by now, and by each ``Listener`` (under its own lock, so it cannot miss
    /// a start that comes during the dispatch) when it has been restarted for a later
    /// session: this session's events never reach the next one's readers.
    package func dispatch(contentsOf events: [Event], session: UInt64) {
        guard !events.isEmpty else { return }
        let snapshot = registry.withLock { registry -> [Entry]? in
            registry.session == session ? registry.listeners : nil
        }
        guard let snapshot else { return }
        for entry in snapshot {
            if let member = entry.member {
                member.deliver(contentsOf: events, session: session)
            } else {
                entry.listener.deliver(contentsOf: events)
            }
        }
    }

    /// A session starts: listeners drop the unread events left from the last one
    /// (a ``Listener`` keeps its ``Listener/history``).
    public func sessionStarted() {
        startSession()
    }

    /// ``sessionStarted()``, numbering the session for ``dispatch(contentsOf:session:)``.
    @discardableResult
    package func startSession() -> UInt64 {
        let (snapshot, session) = registry.withLock { registry in
            registry.ended = nil
            registry.session += 1
            return (registry.listeners, registry.session)
        }
        for entry in snapshot {
            if let member = entry.member {
                member.started(session: session)
            } else {
                entry.listener.sessionStarted()
            }
        }
        return session
    }

    /// The session ended: waiting reads end (a ``Listener``'s with ``QMPError/Code/disconnected``,
    /// whatever `error`'s code; see ``EventListening/sessionEnded(error:)``).
    public func sessionEnded(error: QMPError) {
        let snapshot = registry.withLock { registry in
            registry.ended = error
            return registry.listeners
        }
        for entry in snapshot { entry.listener.sessionEnded(error: error) }
    }
}
