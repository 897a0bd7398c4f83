/// Why a command does not fit a schema, with the error QEMU itself answers for it.
///
/// ``errorClass`` and ``errorDescription`` are what QEMU 7.2 replies, measured against
/// it: `Parameter 'sync' is missing`, `Invalid parameter type for 'speed', expected:
/// integer`. ``description`` is swift-qmp's own wording, with the full member path.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Hashable {
        /// The schema has no command of this name.
        case unknownCommand
        /// The command was sent as `exec-oob` but may not run out of band.
        case outOfBandNotAllowed
        /// A required member is absent.
        case missingMember
        /// A member the type does not have.
        case unexpectedMember
        /// A value of the wrong JSON kind; `expected` is QEMU's word for the kind
        /// (`integer`, `number`, `string`, `boolean`, `null`, `object`, `array`) or
        /// an alternate's name.
        case wrongType(expected: String)
        /// A string that is not a value of the member's enumeration.
        case invalidValue(String)
    }

    /// The command checked.
    public var command: String
    /// What is wrong.
    public var kind: Kind
    /// Where: the member's path as QEMU writes it (`actions[0].data.sync`), empty for
    /// ``Kind/unknownCommand`` and ``Kind/outOfBandNotAllowed``.
    public var path: String
    /// QEMU's error class for it: `CommandNotFound` or `GenericError`.
    public var errorClass: String
    /// QEMU's error text for it.
    public var errorDescription: String

    /// Creates a violation, as the checks report one.
    public init(command: String, kind: Kind, path: String, errorClass: String, errorDescription: String) {
        self.command = command
        self.kind = kind
        self.path = path
        self.errorClass = errorClass
        self.errorDescription = errorDescription
    }

    /// The problem in a sentence, naming the command and the member.
    public var description: String {
        switch kind {
        case .unknownCommand: "there is no command '\(command)'"
        case .outOfBandNotAllowed: "'\(command)' cannot run out of band (exec-oob)"
        case .missingMember: "'\(command)' needs member '\(path)'"
        case .unexpectedMember: "'\(command)' has no member '\(path)'"
        case .wrongType(let expected): "member '\(path)' of '\(command)' must be of type \(expected)"
        case .invalidValue(let value): "member '\(path)' of '\(command)' cannot be '\(value)'"
        }
    }
}

/// A deprecated command, member or enumeration value that a command uses.
///
/// QEMU accepts it (unless started with `-compat deprecated-input=reject`), but may
/// remove it in a later version.
public struct SchemaDeprecation: Sendable, Hashable, CustomStringConvertible {
    /// The command checked.
    public var command: String
    /// The deprecated member's path (`device`, `actions[0].type`), or `nil` when the
    /// command itself is deprecated.
    public var path: String?
    /// The deprecated enumeration value the member has, or `nil` when the member itself is deprecated.
    public var value: String?

    /// Creates a deprecation notice, as the checks report one.
    public init(command: String, path: String? = nil, value: String? = nil) {
        self.command = command
        self.path = path
        self.value = value
    }

    /// What is deprecated, in a sentence.
    public var description: String {
        switch (path, value) {
        case (nil, _): "command '\(command)' is deprecated"
        case (let path?, nil): "member '\(path)' of '\(command)' is deprecated"
        case (let path?, let value?): "value '\(value)' of member '\(path)' of '\(command)' is deprecated"
        }
    }
}

/// The outcome of ``QMPSchema/check(command:arguments:oob:)``.
public struct SchemaCheck: Sendable, Hashable {
    /// The first problem QEMU would reject the command for, in QEMU's order; `nil` when it fits.
    public var violation: SchemaViolation?
    /// The deprecated things the command uses, found before ``violation``.
    public var deprecations: [SchemaDeprecation]

    /// Creates an outcome, as the checks report one.
    public init(violation: SchemaViolation?, deprecations: [SchemaDeprecation]) {
        self.violation = violation
        self.deprecations = deprecations
    }

    /// Whether the command fits the schema.
    public var isValid: Bool { violation == nil }
}
