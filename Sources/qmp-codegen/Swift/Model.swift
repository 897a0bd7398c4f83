/// What the Swift is generated from: every command, event and type reached, with
/// its structure from the schema (when there is one) and its names, versions and
/// sections from the facts.
struct Model {
    indirect enum TypeRef: Equatable {
        case string, int, bool, number, any, null, empty
        case array(TypeRef)
        case named(String)
    }

    /// Where a definition is documented and since when.
    struct Origin {
        var qapiName: String
        var section: String
        var since: String?
        var deprecated: Bool
        var unstable: Bool
    }

    struct Field {
        var wire: String
        var type: TypeRef
        var optional: Bool
        var since: String?
        var deprecated: Bool
        /// The later QEMU release that deprecates it, when the schema's does not (see ``LaterFacts``).
        var deprecatedIn: String? = nil
    }

    struct Branch {
        var value: String
        var type: TypeRef?
    }

    struct Union {
        var tag: Field
        var branches: [Branch]
    }

    enum Shape {
        case object(fields: [Field], union: Union?)
        case enumeration(values: [Definition.Value], deprecated: Set<String>)
        case alternate([(name: String, type: TypeRef)])
    }

    struct TypeDecl {
        var swiftName: String
        var origin: Origin
        var shape: Shape
    }

    /// A command's or event's members: its own (flattened), or one value of a named type.
    enum Payload {
        case fields([Field])
        case boxed(TypeRef)
        /// The command's arguments are a named type of the same name, which becomes the command.
        case conforming(String)
    }

    struct Command {
        var swiftName: String
        var origin: Origin
        var arguments: Payload
        var result: TypeRef
    }

    struct EventDecl {
        var swiftName: String
        var origin: Origin
        var data: Payload
    }

    var types: [TypeDecl] = []
    var commands: [Command] = []
    var events: [EventDecl] = []
    var warnings: [String] = []

    /// From the schema's structure when there is one, else from the facts alone.
    init(definitions: [Definition], schema: Schema?) {
        if let schema {
            self.init(definitions: definitions, schema: schema)
        } else {
            self.init(manual: definitions)
        }
    }
}
