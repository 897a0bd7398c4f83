// What a listener accepts, in words, so that errors name the listener rather than its
// generic type ("the listener for STOP or RESUME is already registered").

extension AllEvents: CustomStringConvertible {
    /// "all events".
    public var description: String { "all events" }
}

extension EventNames: CustomStringConvertible {
    /// The names, sorted, joined with "or".
    public var description: String { names.sorted().joined(separator: " or ") }
}

extension DataMemberEquals: CustomStringConvertible {
    /// The member's path and the value it must equal: `data.device == "ide0"`.
    public var description: String { "data.\(path.joined(separator: ".")) == \(value)" }
}

extension EventFilter: CustomStringConvertible {
    /// "a filter function": a closure cannot describe itself.
    public var description: String { "a filter function" }
}

extension AndPredicate: CustomStringConvertible {
    /// Both predicates' descriptions joined with "and".
    public var description: String { "\(left) and \(right)" }
}

extension OrPredicate: CustomStringConvertible {
    /// Both predicates' descriptions joined with "or", in parentheses so that it reads
    /// unambiguously inside an "and".
    public var description: String { "(\(left) or \(right))" }
}

extension NotPredicate: CustomStringConvertible {
    /// "not" and the negated predicate's description, in parentheses.
    public var description: String { "not (\(base))" }
}

extension Listener: CustomStringConvertible {
    /// "the listener for …", naming what it accepts.
    public var description: String { "the listener for \(filter)" }
}
