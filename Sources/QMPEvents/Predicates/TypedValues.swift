public import QMPCore

extension Listener where Filter: TypedEventPredicate {
    /// The listener's events as the filter's typed values, for `for try await`:
    ///
    /// ```swift
    /// for try await change in listener.values { if change.status == .concluded { break } }
    /// ```
    ///
    /// It reads the listener's own queue (events read here are not read elsewhere) and ends
    /// as iterating the listener does: at the end of the session, or once removed.
    public var values: TypedValues<Filter> { TypedValues(listener: self) }
}

/// A typed listener's events as values (see ``Listener/values``).
public struct TypedValues<Filter: TypedEventPredicate>: AsyncSequence, Sendable {
    /// The filter's reading of an event.
    public typealias Element = Filter.Value
    /// ``QMPError/Code/cancelled``, or ``QMPError/Code/decodingFailed`` for an event that
    /// does not read as a value (it is consumed; iteration may go on).
    public typealias Failure = QMPError

    let listener: Listener<Filter>

    /// Reads values until the listener's iteration ends.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: Listener<Filter>.AsyncIterator
        let filter: Filter

        /// The next value, on the caller's executor; `nil` when the listener's iteration ends.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(QMPError) -> Filter.Value? {
            try await next()
        }

        /// The same as ``next(isolation:)``.
        nonisolated(nonsending) public mutating func next() async throws(QMPError) -> Filter.Value? {
            guard let event = try await events.next() else { return nil }
            return try filter.value(of: event)
        }
    }

    /// An iterator over the listener's queue.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: listener.makeAsyncIterator(), filter: listener.filter)
    }
}

@available(*, unavailable)
extension TypedValues.AsyncIterator: Sendable {}
