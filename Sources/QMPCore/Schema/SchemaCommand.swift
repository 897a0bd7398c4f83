/// A command of a QEMU's `query-qmp-schema`: what it takes and what it returns.
///
/// Type names refer to ``QMPSchema/types``. QEMU masks the names of its own types as
/// numbers (`"0"`, `"49"`), so they are only meaningful within the schema they came from.
public struct SchemaCommand: Sendable, Hashable {
    /// The command's name, e.g. `blockdev-add`.
    public var name: String
    /// The object type of the `arguments` member (an empty object type when it takes none).
    public var argumentType: String
    /// The type of the `return` member.
    public var returnType: String
    /// Whether it may be sent as `exec-oob`.
    public var allowsOOB: Bool
    /// The special features QEMU lists for it, e.g. `deprecated` or `unstable`.
    public var features: [String]

    /// Creates a command description, for a hand-written schema or a test.
    public init(name: String, argumentType: String, returnType: String, allowsOOB: Bool = false, features: [String] = []) {
        self.name = name
        self.argumentType = argumentType
        self.returnType = returnType
        self.allowsOOB = allowsOOB
        self.features = features
    }

    /// Whether QEMU marks the command deprecated: it may go away in a later version.
    public var isDeprecated: Bool { features.contains(SchemaFeature.deprecated) }
}

/// An event of a QEMU's `query-qmp-schema`.
public struct SchemaEvent: Sendable, Hashable {
    /// The event's name, e.g. `JOB_STATUS_CHANGE`.
    public var name: String
    /// The object type of the event's `data` member.
    public var argumentType: String
    /// The special features QEMU lists for it.
    public var features: [String]

    /// Creates an event description, for a hand-written schema or a test.
    public init(name: String, argumentType: String, features: [String] = []) {
        self.name = name
        self.argumentType = argumentType
        self.features = features
    }

    /// Whether QEMU marks the event deprecated.
    public var isDeprecated: Bool { features.contains(SchemaFeature.deprecated) }
}

/// The feature names with a meaning to the schema checks.
enum SchemaFeature {
    static let deprecated = "deprecated"
}
