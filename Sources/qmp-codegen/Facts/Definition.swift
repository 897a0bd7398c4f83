/// One documented QAPI definition, as the facts file records it: names,
/// structure, versions and feature flags, never the reference's prose.
struct Definition: Equatable {
    enum Kind: String, CaseIterable {
        case object, alternate, enumeration = "enum", command, event
    }

    /// A member (`name: type`), an alternative of an alternate, or a command's argument.
    struct Member: Equatable {
        var name: String
        /// The type as the reference writes it: `string`, `int`, `RunState`, `[string]` for "array of string".
        var type: String
        var optional: Bool
        var since: String?
    }

    /// "The members of `type` when `tag` is `value`": one branch of a union.
    struct Branch: Equatable {
        var tag: String
        var value: String
        var type: String
    }

    /// One value of an enumeration.
    struct Value: Equatable {
        var name: String
        var since: String?
    }

    var kind: Kind
    var name: String
    /// The heading of the reference's part that documents it (`BLOCK DEVICES`).
    var section: String
    var since: String?
    var members: [Member] = []
    /// "The members of `type`" without a condition: a base whose members are inlined.
    var bases: [String] = []
    var branches: [Branch] = []
    var values: [Value] = []
    var features: [String] = []
    /// The type names a command's Returns part mentions, in order.
    var returns: [String] = []
}
