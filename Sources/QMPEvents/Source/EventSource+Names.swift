public import QMPCore

/// A listener's filter for the seed tutorial's `listener('JOB_STATUS_CHANGE', job1_filter)`:
/// event names and a filter function, both of which must accept an event.
///
/// ```swift
/// let job1: Listener<NamesAndFilter> = Listener(EventNames("JOB_STATUS_CHANGE") && EventFilter { $0.data["id"] == "job1" })
/// ```
public typealias NamesAndFilter = AndPredicate<EventNames, EventFilter>

extension EventSource {
    /// Creates a listener for events with the given names, registered for the duration of `body`.
    ///
    /// Names read as in Python's `qmp.listener('STOP')`: a string or an array of strings.
    ///
    /// ```swift
    /// try await client.listener("STOP") { stops in … }
    /// try await client.listener(["STOP", "RESUME"]) { changes in … }
    /// ```
    public func listener<Result>(
        _ names: EventNames,
        policy: BufferingPolicy = .unbounded,
        historyLimit: Int? = 10_000,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Listener<EventNames>) async throws -> Result
    ) async throws -> Result {
        let listener = Listener(names, policy: policy, historyLimit: historyLimit)
        return try await listen([listener], isolation: isolation) { try await body(listener) }
    }

    /// Creates a listener for events with the given names that `filter` also accepts,
    /// registered for the duration of `body`.
    ///
    /// ```swift
    /// try await client.listener("JOB_STATUS_CHANGE", where: { $0.data["id"] == "job1" }) { job1 in … }
    /// ```
    public func listener<Result>(
        _ names: EventNames,
        where filter: @escaping @Sendable (Event) -> Bool,
        policy: BufferingPolicy = .unbounded,
        historyLimit: Int? = 10_000,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Listener<NamesAndFilter>) async throws -> Result
    ) async throws -> Result {
        try await listener(names && EventFilter(filter), policy: policy, historyLimit: historyLimit, isolation: isolation, body)
    }
}

extension Listener where Filter == EventNames {
    /// A listener for the events with the given names: `Listener("STOP")`, `Listener(["STOP", "RESUME"])`.
    public convenience init(_ names: EventNames, policy: BufferingPolicy = .unbounded, historyLimit: Int? = 10_000) {
        self.init(accepting: names, policy: policy, historyLimit: historyLimit)
    }
}
