public import QMPCore
public import QMPEvents

extension QMPClient: EventSource {
    /// The built-in listener for all events, bounded by ``Configuration/eventsPolicy``.
    public var events: Listener<AllEvents> { hub.events }

    public func register(_ listener: some EventListening) throws(QMPError) {
        try hub.register(listener)
    }

    public func remove(_ listener: some EventListening) throws(QMPError) {
        try hub.remove(listener)
    }
}
