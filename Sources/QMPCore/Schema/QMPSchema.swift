/// What a QEMU says it understands: its `query-qmp-schema`, as commands, events and types.
///
/// Parse the reply of the connected QEMU, then check a command against it before sending
/// (``check(command:arguments:oob:)``), as QEMU would check it on arrival:
///
/// ```swift
/// let schema = try QMPSchema(try await client.execute("query-qmp-schema"))
/// let check = schema.check(command: "blockdev-add", arguments: ["driver": "null-co"])
/// if let violation = check.violation { print(violation) }
/// ```
///
/// A schema describes one QEMU binary: the commands and types differ with the version,
/// the target and the build options. QEMU masks the names of its own types as numbers
/// and reports every integer width as `int`.
public struct QMPSchema: Sendable, Hashable {
    /// The commands, by name.
    public var commands: [String: SchemaCommand]
    /// The events, by name.
    public var events: [String: SchemaEvent]
    /// Every type, by (masked) name.
    public var types: [String: SchemaType]
    /// QEMU's own names for masked types, where known, for the error texts that name
    /// a type (QEMU names an alternate when a value fits none of its members).
    /// Empty unless set; without a name the masked one is used.
    public var typeNames: [String: String] = [:]
    /// The commands whose arguments QEMU reads itself rather than through their schema
    /// type (QAPI's `gen: false`), so that it takes members the schema does not list, of
    /// any type: only their required members are checked. The schema does not say which
    /// they are; QEMU 7.2 has one, `device_add`, whose extra members are device properties.
    public var freeFormCommands: Set<String> = ["device_add"]

    /// Creates a schema from its parts, for a hand-written schema or a test.
    ///
    /// Nothing is checked here: a type a command or member refers to but the schema
    /// lacks makes ``check(command:arguments:oob:)`` accept any value for it, and a union
    /// whose variants lead back to it has them followed at most once per type.
    public init(commands: [SchemaCommand], events: [SchemaEvent] = [], types: [SchemaType]) {
        self.commands = Dictionary(commands.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.events = Dictionary(events.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.types = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The object types (structs and unions).
    public var objectTypes: [SchemaObjectType] {
        types.values.compactMap { if case .object(let type) = $0 { type } else { nil } }
    }

    /// The enumerations.
    public var enumTypes: [SchemaEnumType] {
        types.values.compactMap { if case .enumeration(let type) = $0 { type } else { nil } }
    }

    /// The alternates.
    public var alternateTypes: [SchemaAlternateType] {
        types.values.compactMap { if case .alternate(let type) = $0 { type } else { nil } }
    }

    /// The object type named `name`, or `nil` when the schema has none of that name.
    public func objectType(named name: String) -> SchemaObjectType? {
        if case .object(let type)? = types[name] { return type }
        return nil
    }
}
