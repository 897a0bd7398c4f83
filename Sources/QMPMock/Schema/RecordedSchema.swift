public import QMPCore

/// QEMU 7.2's `query-qmp-schema`, embedded as text: a library target cannot read the
/// test corpus, and a resource bundle would pull in Foundation.
enum RecordedSchema {
    /// The parsed `return` value; `[]` only if the embedded text were broken, which
    /// `EmbeddedSchemaTests` rules out.
    static let value: JSONValue = (try? JSONParser.parse(Array(text.utf8))) ?? []

    /// QEMU's own names of the alternates, which its schema masks as numbers: its
    /// type errors for alternates name them.
    static let alternateNames = [
        "290": "BlockDirtyBitmapOrStr", "334": "StrOrNull", "518": "BlockdevRef",
        "527": "BlockdevRefOrNull", "528": "Qcow2OverlapChecks", "626": "StatsValue",
    ]

    static let schema: QMPSchema = {
        var schema = (try? QMPSchema(value)) ?? QMPSchema(commands: [], types: [])
        schema.typeNames = alternateNames
        return schema
    }()
}

extension SimulatedQEMU {
    /// The schema of QEMU 7.2 (`qemu-system-x86_64 -machine none`), as recorded: what
    /// the simulator answers to `query-qmp-schema` and checks every command against.
    public static var recordedSchema: QMPSchema { RecordedSchema.schema }
}
