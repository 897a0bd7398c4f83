public import QMPCore

/// Decides which events a ``Listener`` hears.
///
/// A predicate is a small value type, so a listener's filter is known at
/// compile time and composes without boxing:
///
/// ```swift
/// let job1 = EventNames("JOB_STATUS_CHANGE") && DataMemberEquals("id", "job1")
/// let listener = Listener(job1)
/// ```
///
/// `accepts(_:)` runs synchronously on the client's reader path for every
/// event, so it must be quick and must not block.
public protocol EventPredicate: Sendable {
    func accepts(_ event: Event) -> Bool
}

/// Accepts every event.
public struct AllEvents: EventPredicate {
    public init() {}
    @inlinable public func accepts(_ event: Event) -> Bool { true }
}

/// Accepts events with one of the given names.
///
/// ```swift
/// Listener(EventNames("STOP"))
/// Listener(["STOP", "RESUME"] as EventNames)
/// ```
public struct EventNames: EventPredicate, ExpressibleByStringLiteral, ExpressibleByArrayLiteral {
    // A few names are the common case, where comparing strings beats hashing one per event.
    private let few: [String]
    private let many: Set<String>?

    public init(_ name: String) {
        few = [name]
        many = nil
    }

    public init(_ names: some Sequence<String>) {
        let set = Set(names)
        if set.count <= 8 {
            few = Array(set)
            many = nil
        } else {
            few = []
            many = set
        }
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(arrayLiteral elements: String...) { self.init(elements) }

    /// The names accepted.
    public var names: Set<String> { many ?? Set(few) }

    public func accepts(_ event: Event) -> Bool {
        if let many { return many.contains(event.name) }
        for name in few where name == event.name { return true }
        return false
    }
}

/// Accepts events whose `data` member at `path` equals `value`, e.g. `data.id == "job1"`.
///
/// ```swift
/// DataMemberEquals("id", "job1")
/// DataMemberEquals(path: ["device", "name"], "disk0")
/// ```
public struct DataMemberEquals: EventPredicate {
    public let path: [String]
    public let value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.path = [key]
        self.value = value
    }

    public init(path: [String], _ value: JSONValue) {
        self.path = path
        self.value = value
    }

    public func accepts(_ event: Event) -> Bool {
        guard let first = path.first, var current = event.data[first] else { return false }
        for key in path.dropFirst() {
            guard let next = current[key] else { return false }
            current = next
        }
        return current == value
    }
}

/// Adapts a closure, for one-off filters.
///
/// Prefer a named predicate type for anything reused: it composes without
/// an indirect call and says what it checks.
public struct EventFilter: EventPredicate {
    private let body: @Sendable (Event) -> Bool

    public init(_ body: @escaping @Sendable (Event) -> Bool) {
        self.body = body
    }

    public func accepts(_ event: Event) -> Bool { body(event) }
}
