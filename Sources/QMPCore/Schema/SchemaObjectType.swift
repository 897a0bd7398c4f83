/// A JSON object type: a struct, or a union when it has a ``tag``.
///
/// A union's ``members`` are its common members, the tag among them; the value of
/// the tag selects one of the ``variants``, whose members the object has as well.
/// A tag value with no variant adds no members.
public struct SchemaObjectType: Sendable, Hashable {
    /// The type's (masked) name.
    public var name: String
    /// The members every object of the type may have, in QEMU's order.
    public var members: [SchemaMember]
    /// For a union, the member whose value selects the variant.
    public var tag: String?
    /// For a union, the members each tag value adds.
    public var variants: [SchemaVariant]
    /// The special features QEMU lists for the type.
    public var features: [String]

    /// Creates an object type, for a hand-written schema or a test.
    public init(name: String, members: [SchemaMember], tag: String? = nil, variants: [SchemaVariant] = [], features: [String] = []) {
        self.name = name
        self.members = members
        self.tag = tag
        self.variants = variants
        self.features = features
    }
}

/// One member of a ``SchemaObjectType``.
public struct SchemaMember: Sendable, Hashable {
    /// The member's name (its JSON key).
    public var name: String
    /// The member's type.
    public var type: String
    /// Whether it may be left out. QEMU marks an optional member with a `default`
    /// member, `null` meaning that no default is documented.
    public var isOptional: Bool
    /// The default the schema states for an optional member, when it is not `null`.
    public var defaultValue: JSONValue?
    /// The special features QEMU lists for the member, e.g. `deprecated`.
    public var features: [String]

    /// Creates a member, for a hand-written schema or a test.
    public init(name: String, type: String, isOptional: Bool = false, defaultValue: JSONValue? = nil, features: [String] = []) {
        self.name = name
        self.type = type
        self.isOptional = isOptional
        self.defaultValue = defaultValue
        self.features = features
    }

    /// Whether QEMU marks the member deprecated.
    public var isDeprecated: Bool { features.contains(SchemaFeature.deprecated) }
}

/// One variant of a union: the object type whose members a tag value adds.
public struct SchemaVariant: Sendable, Hashable {
    /// The tag value that selects it.
    public var tagValue: String
    /// The object type whose members it adds.
    public var type: String

    /// Creates a variant, for a hand-written schema or a test.
    public init(tagValue: String, type: String) {
        self.tagValue = tagValue
        self.type = type
    }
}
