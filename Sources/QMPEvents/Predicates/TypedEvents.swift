public import QMPCore

/// The `data` of one QMP event as a Swift value (`QMPTypes` has one for every event).
public protocol QMPEventData: Decodable, Sendable {
    /// The event's name on the wire, e.g. `"JOB_STATUS_CHANGE"`.
    static var eventName: String { get }
}

/// A predicate that also reads what it accepts as a typed value.
public protocol TypedEventPredicate: EventPredicate {
    /// What an accepted event reads as.
    associatedtype Value: Sendable
    /// `event` as a ``Value``.
    ///
    /// - Throws: ``QMPError/Code/decodingFailed`` naming the event and the member, with the
    ///   event's data in ``QMPError/value``, when the data does not fit.
    func value(of event: Event) throws(QMPError) -> Value
}

/// Accepts the events whose data `Data` describes, and reads them as `Data`.
///
/// ```swift
/// let changes = Listener(TypedEvents(JobStatusChangeEvent.self) && DataMemberEquals("id", "job1"))
/// ```
/// or, to read values:
/// ```swift
/// let listener = Listener(TypedEvents(JobStatusChangeEvent.self))
/// let change = try await listener.nextValue()   // a JobStatusChangeEvent
/// ```
public struct TypedEvents<Data: QMPEventData>: TypedEventPredicate {
    /// Accepts the events named `Data.eventName`.
    public init(_ type: Data.Type = Data.self) {}

    /// Whether `event` is named `Data.eventName`.
    public func accepts(_ event: Event) -> Bool { event.name == Data.eventName }

    /// The event's data as `Data`.
    public func value(of event: Event) throws(QMPError) -> Data { try event.decodeData(as: Data.self) }
}

extension Listener where Filter: TypedEventPredicate {
    /// The next event, read by the filter as its typed value.
    ///
    /// - Throws: What ``get(timeout:)`` throws, and ``QMPError/Code/decodingFailed`` when the
    ///   event does not read as the value (the event is consumed either way).
    nonisolated(nonsending) public func nextValue(timeout: Duration? = nil) async throws(QMPError) -> Filter.Value {
        try filter.value(of: try await get(timeout: timeout))
    }
}

/// A typed predicate narrowed by another (`TypedEvents(...) && DataMemberEquals(...)`)
/// still reads its events as the typed value.
extension AndPredicate: TypedEventPredicate where Left: TypedEventPredicate {
    /// The left predicate's reading of `event`.
    public func value(of event: Event) throws(QMPError) -> Left.Value { try left.value(of: event) }
}
