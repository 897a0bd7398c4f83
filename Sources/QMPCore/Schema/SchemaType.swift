/// A type of a QEMU's `query-qmp-schema`, one case per meta-type.
public enum SchemaType: Sendable, Hashable {
    /// A struct or union (meta-type `object`).
    case object(SchemaObjectType)
    /// A set of strings (meta-type `enum`).
    case enumeration(SchemaEnumType)
    /// A JSON array of one element type (meta-type `array`).
    case array(SchemaArrayType)
    /// A value that may have one of several types, told apart by their JSON kind (meta-type `alternate`).
    case alternate(SchemaAlternateType)
    /// A built-in type such as `str` or `int` (meta-type `builtin`).
    case builtin(SchemaBuiltinType)

    /// The type's name.
    public var name: String {
        switch self {
        case .object(let type): type.name
        case .enumeration(let type): type.name
        case .array(let type): type.name
        case .alternate(let type): type.name
        case .builtin(let type): type.name
        }
    }
}

/// An enumeration: the strings a value of the type may be.
public struct SchemaEnumType: Sendable, Hashable {
    /// The type's (masked) name.
    public var name: String
    /// The values, in QEMU's order, with their features.
    public var members: [SchemaEnumMember]
    /// The special features QEMU lists for the type.
    public var features: [String]

    /// Creates an enumeration, for a hand-written schema or a test.
    public init(name: String, members: [SchemaEnumMember], features: [String] = []) {
        self.name = name
        self.members = members
        self.features = features
    }

    /// The values' names.
    public var values: [String] { members.map(\.name) }
}

/// One value of a ``SchemaEnumType``.
public struct SchemaEnumMember: Sendable, Hashable {
    /// The value.
    public var name: String
    /// The special features QEMU lists for the value, e.g. `deprecated`.
    public var features: [String]

    /// Creates an enumeration value, for a hand-written schema or a test.
    public init(name: String, features: [String] = []) {
        self.name = name
        self.features = features
    }

    /// Whether QEMU marks the value deprecated.
    public var isDeprecated: Bool { features.contains(SchemaFeature.deprecated) }
}

/// An array type.
public struct SchemaArrayType: Sendable, Hashable {
    /// The type's name, e.g. `[str]` or `[123]`.
    public var name: String
    /// The type of every element.
    public var elementType: String

    /// Creates an array type, for a hand-written schema or a test.
    public init(name: String, elementType: String) {
        self.name = name
        self.elementType = elementType
    }
}

/// An alternate: a value of one of ``members``, the one whose JSON kind it has.
public struct SchemaAlternateType: Sendable, Hashable {
    /// The type's (masked) name.
    public var name: String
    /// The types a value may have, in QEMU's order; no two share a JSON kind.
    public var members: [String]

    /// Creates an alternate, for a hand-written schema or a test.
    public init(name: String, members: [String]) {
        self.name = name
        self.members = members
    }
}

/// A built-in type and the JSON kind its values have.
public struct SchemaBuiltinType: Sendable, Hashable {
    /// The type's name: `str`, `int`, `number`, `bool`, `null` or `any` (every integer width is `int`).
    public var name: String
    /// The JSON kind of its values.
    public var jsonType: JSONKind

    /// Creates a built-in type, for a hand-written schema or a test.
    public init(name: String, jsonType: JSONKind) {
        self.name = name
        self.jsonType = jsonType
    }

    /// The JSON kinds QEMU's schema names for built-in types (its `json-type`).
    public enum JSONKind: String, Sendable, Hashable, CaseIterable {
        /// A JSON string.
        case string
        /// A JSON number, integer or not.
        case number
        /// A JSON integer.
        case int
        /// `true` or `false`.
        case boolean
        /// `null`.
        case null
        /// A JSON object.
        case object
        /// A JSON array.
        case array
        /// Any JSON value.
        case value
    }
}
