public import QMPCore

/// What an ``EventSource`` needs from a listener.
///
/// ``Listener`` is the implementation almost everyone wants; conform your own
/// type to receive events some other way (straight into a log, a metrics
/// counter, an actor). A source calls these methods synchronously on its
/// reader path, for every event: they must return quickly and never block.
public protocol EventListening: AnyObject, Sendable {
    /// Offers an event; the listener keeps it if its filter accepts it.
    func deliver(_ event: Event)
    /// Offers several events in arrival order. Sources hand over everything read in one go
    /// this way, so a listener can take its lock and wake its reader once per batch.
    func deliver(contentsOf events: [Event])
    /// The source's session ended: waits end. `error` is why, with whatever code ended
    /// it (`timedOut` for a `connect()` that timed out, for one); ``Listener`` reports
    /// every end to its readers as ``QMPError/Code/disconnected``.
    func sessionEnded(error: QMPError)
    /// A new session starts: unread events kept from an earlier one are dropped and
    /// waits work again. (``Listener`` keeps its ``Listener/history`` and
    /// ``Listener/droppedCount`` across sessions.)
    func sessionStarted()
    /// Removes and returns the events not yet read. Called when the listener is removed.
    @discardableResult func clear() -> [Event]
}

extension EventListening {
    /// Offers each event in turn.
    public func deliver(contentsOf events: [Event]) {
        for event in events { deliver(event) }
    }
}
