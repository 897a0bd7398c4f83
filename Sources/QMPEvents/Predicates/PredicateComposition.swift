public import QMPCore

/// Both predicates accept. Built by `&&` or ``EventPredicate/and(_:)``.
@_documentation(visibility: internal)
public struct AndPredicate<Left: EventPredicate, Right: EventPredicate>: EventPredicate {
    /// The predicate asked first.
    public let left: Left
    /// The predicate asked when ``left`` accepts.
    public let right: Right

    /// Combines two predicates; `left && right` reads better.
    public init(_ left: Left, _ right: Right) {
        self.left = left
        self.right = right
    }

    /// Whether both ``left`` and ``right`` accept `event`.
    @inlinable public func accepts(_ event: Event) -> Bool { left.accepts(event) && right.accepts(event) }
}

/// Either predicate accepts. Built by `||` or ``EventPredicate/or(_:)``.
@_documentation(visibility: internal)
public struct OrPredicate<Left: EventPredicate, Right: EventPredicate>: EventPredicate {
    /// The predicate asked first.
    public let left: Left
    /// The predicate asked when ``left`` does not accept.
    public let right: Right

    /// Combines two predicates; `left || right` reads better.
    public init(_ left: Left, _ right: Right) {
        self.left = left
        self.right = right
    }

    /// Whether ``left`` or ``right`` accepts `event`.
    @inlinable public func accepts(_ event: Event) -> Bool { left.accepts(event) || right.accepts(event) }
}

/// The predicate does not accept. Built by `!`.
@_documentation(visibility: internal)
public struct NotPredicate<Base: EventPredicate>: EventPredicate {
    /// The predicate negated.
    public let base: Base

    /// Negates `base`; `!base` reads better.
    public init(_ base: Base) { self.base = base }

    /// Whether ``base`` rejects `event`.
    @inlinable public func accepts(_ event: Event) -> Bool { !base.accepts(event) }
}

extension EventPredicate {
    /// Accepts what both `self` and `other` accept; `other` is asked only if `self` accepts.
    public func and<Other: EventPredicate>(_ other: Other) -> AndPredicate<Self, Other> { AndPredicate(self, other) }

    /// Accepts what either accepts; `other` is asked only if `self` does not accept.
    public func or<Other: EventPredicate>(_ other: Other) -> OrPredicate<Self, Other> { OrPredicate(self, other) }
}

/// Accepts the events both predicates accept; `right` is asked only when `left` accepts.
///
/// ```swift
/// let job1 = EventNames("JOB_STATUS_CHANGE") && DataMemberEquals("id", "job1")
/// ```
///
/// The result is a concrete generic type (no boxing, no indirect call). In long
/// chains, ``EventPredicate/and(_:)`` is quicker for the type checker.
public func && <L: EventPredicate, R: EventPredicate>(left: L, right: R) -> AndPredicate<L, R> {
    AndPredicate(left, right)
}

/// Accepts the events either predicate accepts; `right` is asked only when `left` does not accept.
///
/// ```swift
/// let runState = EventNames("STOP") || EventNames("RESUME")
/// ```
///
/// In long chains, ``EventPredicate/or(_:)`` is quicker for the type checker.
public func || <L: EventPredicate, R: EventPredicate>(left: L, right: R) -> OrPredicate<L, R> {
    OrPredicate(left, right)
}

/// Accepts the events `predicate` rejects.
///
/// ```swift
/// let notJob1 = EventNames("JOB_STATUS_CHANGE") && !DataMemberEquals("id", "job1")
/// ```
public prefix func ! <P: EventPredicate>(predicate: P) -> NotPredicate<P> {
    NotPredicate(predicate)
}
