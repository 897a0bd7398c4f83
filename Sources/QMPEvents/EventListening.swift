public import QMPCore

/// What an ``EventSource`` needs from a listener. (STUB: completed by the events issue.)
///
/// A source calls these synchronously on its reader path: they must not block or await.
public protocol EventListening: AnyObject, Sendable {
    /// Offers an event; the listener queues it if its filter accepts it.
    func deliver(_ event: Event)
    /// The source's session ended: waiting `get()` calls throw `error`, iterations finish.
    func sessionEnded(error: QMPError)
    /// A new session starts: stale queued events are dropped and waits work again.
    func sessionStarted()
    /// Removes and returns the queued events.
    @discardableResult func clear() -> [Event]
}
