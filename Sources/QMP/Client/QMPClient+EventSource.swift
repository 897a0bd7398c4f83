public import QMPCore
public import QMPEvents

extension QMPClient: EventSource {
    /// The built-in listener for all events, bounded by ``Configuration/eventsPolicy``.
    public var events: Listener<AllEvents> { hub.events }

    /// Starts delivering events to `listener`, in this and later sessions, until ``remove(_:)``.
    ///
    /// Prefer the scoped ``EventSource/listener(_:policy:historyLimit:isolation:_:)-(Filter,_,_,_,_)``,
    /// which cannot forget to remove it. Register before sending the command whose
    /// events you want: events are not replayed to a listener registered later.
    ///
    /// Registered while the client is idle after a session ended, a ``Listener``'s reads
    /// fail at once with ``QMPError/Code/disconnected`` until the next session starts;
    /// registered before the first `connect()`, they wait for it.
    /// - Throws: ``QMPError/Code/listenerAlreadyRegistered`` when it is registered already.
    public func register(_ listener: some EventListening) throws(QMPError) {
        try hub.register(listener)
    }

    /// Stops delivering events to `listener` and clears its queue (its history stays).
    ///
    /// A removed ``Listener``'s reads, waiting or later, fail with
    /// ``QMPError/Code/listenerNotRegistered`` (iteration finishes) until it is registered again.
    /// - Throws: ``QMPError/Code/listenerNotRegistered`` when it is not registered;
    ///   ``QMPError/Code/cannotRemoveDefaultListener`` for ``events``.
    public func remove(_ listener: some EventListening) throws(QMPError) {
        try hub.remove(listener)
    }
}
