public import QMPCore

/// Something that emits QMP events to registered listeners. `QMPClient` is one.
///
/// Listeners registered with ``register(_:)`` stay until ``remove(_:)``. The
/// scoped forms are usually better: they register for the duration of a body
/// and always remove (and clear) the listeners afterwards, also when the body
/// throws or its task is cancelled.
///
/// Registration outlives a session: a listener registered with a client that
/// disconnects and connects again keeps receiving events, starting with an
/// empty queue, while its ``Listener/history`` (and that of ``events``) still
/// holds the previous session's events.
///
/// A task cancelled while it waits for an event fails with ``QMPError`` whose
/// code is ``QMPError/Code/cancelled``; no `CancellationError` is thrown.
///
/// ```swift
/// try await client.listener(EventNames(["STOP", "RESUME"])) { listener in
///     try await client.execute("stop")
///     #expect(try await listener.get().name == "STOP")
/// }
/// ```
public protocol EventSource: Sendable {
    /// The built-in listener for all events, always registered.
    ///
    /// Its ``Listener/history`` spans sessions: after a reconnect it still begins
    /// with the events of the previous one.
    var events: Listener<AllEvents> { get }

    /// Starts delivering events to `listener`.
    /// - Throws: ``QMPError/Code/listenerAlreadyRegistered``.
    func register(_ listener: some EventListening) throws(QMPError)

    /// Stops delivering events to `listener` and clears its queue.
    ///
    /// A removed ``Listener``'s reads, waiting or later, fail with
    /// ``QMPError/Code/listenerNotRegistered`` (iteration finishes) until it is registered again.
    /// - Throws: ``QMPError/Code/listenerNotRegistered``, or
    ///   ``QMPError/Code/cannotRemoveDefaultListener`` for ``events``.
    func remove(_ listener: some EventListening) throws(QMPError)
}

extension EventSource {
    /// Registers `listeners` for the duration of `body`, then removes and clears them.
    ///
    /// - Throws: ``QMPError/Code/listenerAlreadyRegistered`` (nothing stays registered),
    ///   or whatever `body` throws.
    public func listen<Result>(
        _ listeners: [any EventListening],
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        var added: [any EventListening] = []
        do {
            for listener in listeners {
                try register(listener)
                added.append(listener)
            }
        } catch {
            removeQuietly(added)
            throw error
        }
        do {
            let result = try await body()
            removeQuietly(added)
            return result
        } catch {
            removeQuietly(added)
            throw error
        }
    }

    /// Registers `listeners` for the duration of `body`, then removes and clears them.
    public func listen<Result>(
        _ listeners: any EventListening...,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await listen(listeners, isolation: isolation, body)
    }

    /// Creates a listener for `filter`, registered for the duration of `body`.
    public func listener<Filter: EventPredicate, Result>(
        _ filter: Filter,
        policy: BufferingPolicy = .unbounded,
        historyLimit: Int? = 10_000,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Listener<Filter>) async throws -> Result
    ) async throws -> Result {
        let listener = Listener(filter, policy: policy, historyLimit: historyLimit)
        return try await listen([listener], isolation: isolation) { try await body(listener) }
    }

    /// Creates a listener for all events, registered for the duration of `body`.
    public func listener<Result>(
        policy: BufferingPolicy = .unbounded,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Listener<AllEvents>) async throws -> Result
    ) async throws -> Result {
        try await listener(AllEvents(), policy: policy, isolation: isolation, body)
    }

    private func removeQuietly(_ listeners: [any EventListening]) {
        for listener in listeners {
            // It can only fail if the body removed it already, which leaves nothing to undo.
            try? remove(listener)
        }
    }
}
