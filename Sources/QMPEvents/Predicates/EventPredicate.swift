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
    /// Whether a listener with this predicate hears `event`.
    ///
    /// Called once per event for every registered listener, on the task that
    /// reads from the connection: return quickly, without blocking or locking
    /// anything that a waiting caller might hold.
    func accepts(_ event: Event) -> Bool
}

/// Accepts every event.
public struct AllEvents: EventPredicate {
    /// Creates the predicate; `Listener()` uses it when given none.
    public init() {}
    /// Always `true`.
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

    /// Accepts events named exactly `name` (names are case-sensitive, as in QEMU: `"STOP"`).
    public init(_ name: String) {
        few = [name]
        many = nil
    }

    /// Accepts events whose name is any of `names`; duplicates are ignored.
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

    /// Accepts events named `value`, written as a string literal: `let stops: EventNames = "STOP"`.
    public init(stringLiteral value: String) { self.init(value) }
    /// Accepts events whose name is any of `elements`, written as an array literal:
    /// `let names: EventNames = ["STOP", "RESUME"]`.
    public init(arrayLiteral elements: String...) { self.init(elements) }

    /// The names accepted.
    public var names: Set<String> { many ?? Set(few) }

    /// Whether the event's name is one of ``names``.
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
    /// The keys leading from the event's `data` to the member compared, outermost first.
    public let path: [String]
    /// The value the member must equal, compared with ``JSONValue``'s `==`
    /// (strings byte for byte; an integer never equals a double).
    public let value: JSONValue

    /// Accepts events whose `data[key]` equals `value`.
    public init(_ key: String, _ value: JSONValue) {
        self.path = [key]
        self.value = value
    }

    /// Accepts events whose `data[key]` is the string `value`: `DataMemberEquals("id", jobID)`.
    public init(_ key: String, _ value: String) {
        self.init(key, .string(value))
    }

    /// Accepts events whose `data[key]` is the integer `value`.
    public init(_ key: String, _ value: Int) {
        self.init(key, .int(Int64(value)))
    }

    /// Accepts events whose member of `data` reached through the nested keys `path`
    /// equals `value`; an empty path accepts no event.
    public init(path: [String], _ value: JSONValue) {
        self.path = path
        self.value = value
    }

    /// Whether the member at ``path`` exists and equals ``value``; a missing
    /// member, or a step through something that is not an object, is `false`.
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

    /// Accepts the events for which `body` returns `true`.
    ///
    /// `body` runs on the connection's reader for every event, like any
    /// ``EventPredicate/accepts(_:)``: keep it quick and non-blocking.
    public init(_ body: @escaping @Sendable (Event) -> Bool) {
        self.body = body
    }

    /// Calls the closure.
    public func accepts(_ event: Event) -> Bool { body(event) }
}
