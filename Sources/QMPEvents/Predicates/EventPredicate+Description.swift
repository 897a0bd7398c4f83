// What a listener accepts, in words, so that errors name the listener rather than its
// generic type ("the listener for STOP or RESUME is already registered").

extension AllEvents: CustomStringConvertible {
    public var description: String { "all events" }
}

extension EventNames: CustomStringConvertible {
    /// The names, sorted, joined with "or".
    public var description: String { names.sorted().joined(separator: " or ") }
}

extension DataMemberEquals: CustomStringConvertible {
    public var description: String { "data.\(path.joined(separator: ".")) == \(value)" }
}

extension EventFilter: CustomStringConvertible {
    public var description: String { "a filter function" }
}

extension AndPredicate: CustomStringConvertible {
    public var description: String { "\(left) and \(right)" }
}

extension OrPredicate: CustomStringConvertible {
    public var description: String { "(\(left) or \(right))" }
}

extension NotPredicate: CustomStringConvertible {
    public var description: String { "not (\(base))" }
}

extension Listener: CustomStringConvertible {
    /// "the listener for …", naming what it accepts.
    public var description: String { "the listener for \(filter)" }
}
