import QMPCore

/// What an ``EventHub`` tells a ``Listener`` beyond ``EventListening``: that it joined a hub
/// whose session may already be over, or left one and will hear nothing more.
///
/// Not part of ``EventListening``, because the hub calls it with its lock held: so it is
/// ordered with the hub's session starts and ends, and a start cannot slip in between a
/// registration and the replay of the end before it (a late replay would end a listener in a
/// running session). A custom listener's methods are user code that may call back into the
/// hub, which would deadlock there; ``Listener``'s only take its own lock. The waiters to
/// resume come back to the caller, which resumes them once the lock is released.
protocol HubMember: AnyObject {
    /// The listener joined a hub during (or after) the hub's session numbered `session`;
    /// `endedSession` is why it ended, if none has started since. Returns what to run once
    /// the hub's lock is released (resuming waiters).
    func joined(endedSession: QMPError?, session: UInt64) -> (() -> Void)?
    /// ``EventListening/sessionStarted()`` for the hub's session numbered `session`.
    func started(session: UInt64)
    /// ``EventListening/deliver(contentsOf:)`` for a batch of the hub's session numbered
    /// `session`: dropped unless that is still the listener's session.
    func deliver(contentsOf events: [Event], session: UInt64)
    /// The listener was removed from the hub: its reads, waiting or not, must not wait for
    /// events that will never come, and fail with `error`. Returns what to run once the
    /// hub's lock is released.
    func left(with error: QMPError) -> () -> Void
}
