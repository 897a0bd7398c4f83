public import QMPCore

/// Both predicates accept. Built by `&&` or ``EventPredicate/and(_:)``.
@_documentation(visibility: internal)
public struct AndPredicate<Left: EventPredicate, Right: EventPredicate>: EventPredicate {
    public let left: Left
    public let right: Right

    public init(_ left: Left, _ right: Right) {
        self.left = left
        self.right = right
    }

    @inlinable public func accepts(_ event: Event) -> Bool { left.accepts(event) && right.accepts(event) }
}

/// Either predicate accepts. Built by `||` or ``EventPredicate/or(_:)``.
@_documentation(visibility: internal)
public struct OrPredicate<Left: EventPredicate, Right: EventPredicate>: EventPredicate {
    public let left: Left
    public let right: Right

    public init(_ left: Left, _ right: Right) {
        self.left = left
        self.right = right
    }

    @inlinable public func accepts(_ event: Event) -> Bool { left.accepts(event) || right.accepts(event) }
}

/// The predicate does not accept. Built by `!`.
@_documentation(visibility: internal)
public struct NotPredicate<Base: EventPredicate>: EventPredicate {
    public let base: Base

    public init(_ base: Base) { self.base = base }

    @inlinable public func accepts(_ event: Event) -> Bool { !base.accepts(event) }
}

extension EventPredicate {
    /// Accepts what both `self` and `other` accept; `other` is asked only if `self` accepts.
    public func and<Other: EventPredicate>(_ other: Other) -> AndPredicate<Self, Other> { AndPredicate(self, other) }

    /// Accepts what either accepts.
    public func or<Other: EventPredicate>(_ other: Other) -> OrPredicate<Self, Other> { OrPredicate(self, other) }
}

public func && <L: EventPredicate, R: EventPredicate>(left: L, right: R) -> AndPredicate<L, R> {
    AndPredicate(left, right)
}

public func || <L: EventPredicate, R: EventPredicate>(left: L, right: R) -> OrPredicate<L, R> {
    OrPredicate(left, right)
}

public prefix func ! <P: EventPredicate>(predicate: P) -> NotPredicate<P> {
    NotPredicate(predicate)
}
