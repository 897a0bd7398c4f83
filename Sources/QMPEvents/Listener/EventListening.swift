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
    /// The source's session ended: waits end with `error`.
    func sessionEnded(error: QMPError)
    /// A new session starts: events kept from an earlier one are dropped.
    func sessionStarted()
    /// Removes and returns the events not yet read. Called when the listener is removed.
    @discardableResult func clear() -> [Event]
}
