import QMPCore
import Testing

@Suite("QMPSchema checks")
struct SchemaCheckTests {
    /// Commands QEMU 7.2 rejects, with its answer (measured against `qemu-system-x86_64 -machine none`).
    static let rejected: [(String, JSONObject, String)] = [
        ("no-such", [:], "The command no-such has not been found"),
        ("query-status", ["x": 1], "Parameter 'x' is unexpected"),
        ("eject", ["device": 5], "Invalid parameter type for 'device', expected: string"),
        ("eject", ["device": nil], "Invalid parameter type for 'device', expected: string"),
        ("eject", ["id": "a", "force": "yes"], "Invalid parameter type for 'force', expected: boolean"),
        ("block_set_io_throttle", ["id": "a"], "Parameter 'bps' is missing"),
        ("block_set_io_throttle", ["id": "a", "bps": 1.5, "bps_rd": 0, "bps_wr": 0, "iops": 0, "iops_rd": 0, "iops_wr": 0],
         "Invalid parameter type for 'bps', expected: integer"),
        ("blockdev-add", ["driver": "nope", "node-name": "n"], "Parameter 'driver' does not accept value 'nope'"),
        ("blockdev-add", ["node-name": "n"], "Parameter 'driver' is missing"),
        ("blockdev-add", ["driver": 5, "node-name": "n"], "Invalid parameter type for 'driver', expected: string"),
        ("blockdev-add", ["driver": "null-co", "node-name": "n", "zz": 1], "Parameter 'zz' is unexpected"),
        ("blockdev-add", ["driver": "null-co", "node-name": "n", "size": "x"], "Invalid parameter type for 'size', expected: integer"),
        ("blockdev-add", ["driver": "raw", "node-name": "n2"], "Parameter 'file' is missing"),
        ("blockdev-add", ["driver": "raw", "node-name": "n2", "file": ["driver": "nope"]], "Parameter 'driver' does not accept value 'nope'"),
        ("blockdev-add", ["driver": "raw", "node-name": "n2", "file": ["driver": "null-co", "zz": 1]], "Parameter 'file.zz' is unexpected"),
        ("transaction", ["actions": [["type": "nope"]]], "Parameter 'type' does not accept value 'nope'"),
        ("transaction", ["actions": [["type": "abort", "data": ["x": 1]]]], "Parameter 'actions[0].data.x' is unexpected"),
        ("transaction", ["actions": [5]], "Invalid parameter type for 'actions[0]', expected: object"),
        ("transaction", ["actions": [:]], "Invalid parameter type for 'actions', expected: array"),
        ("transaction", ["actions": [["type": "blockdev-backup", "data": ["device": "a"]]]], "Parameter 'actions[0].data.sync' is missing"),
        ("transaction", ["actions": [["type": "abort"]]], "Parameter 'actions[0].data' is missing"),
        ("qom-set", ["path": "/machine", "property": "x"], "Parameter 'value' is missing"),
        ("query-cpu-model-expansion", ["type": "bad", "model": ["name": "max"]], "Parameter 'type' does not accept value 'bad'"),
        ("set_link", ["name": "a", "up": 1], "Invalid parameter type for 'up', expected: boolean"),
        ("block-dirty-bitmap-merge", ["node": "a", "target": "b", "bitmaps": [["node": "a"]]], "Parameter 'bitmaps[0].name' is missing"),
    ]

    @Test(arguments: rejected)
    func theRecordedSchemaRejectsAsQEMUDoes(_ command: String, _ arguments: JSONObject, _ description: String) throws {
        let check = try RecordedSchema.load().check(command: command, arguments: arguments)
        let violation = try #require(check.violation)
        #expect(violation.errorDescription == description)
        #expect(violation.errorClass == (command == "no-such" ? "CommandNotFound" : "GenericError"))
        #expect(violation.command == command)
    }

    @Test func alternatesAreNamedAsQEMUNamesThem() throws {
        var schema = try RecordedSchema.load()
        let file: JSONObject = ["driver": "raw", "node-name": "n2", "file": 5]
        let masked = try #require(schema.check(command: "blockdev-add", arguments: file).violation)
        guard case .wrongType(let expected) = masked.kind else {
            Issue.record("not a type error: \(masked)")
            return
        }
        schema.typeNames[expected] = "BlockdevRef"
        let named = try #require(schema.check(command: "blockdev-add", arguments: file).violation)
        #expect(named.errorDescription == "Invalid parameter type for 'file', expected: BlockdevRef")
        #expect(named.path == "file")
        // An alternate's value goes on to the member of its kind: a node name or a definition.
        #expect(schema.check(command: "blockdev-add", arguments: ["driver": "raw", "node-name": "n2", "file": "other"]).isValid)
        #expect(schema.check(command: "blockdev-add", arguments: ["driver": "raw", "node-name": "n2", "file": ["driver": "null-co"]]).isValid)
        #expect(schema.check(command: "migrate-set-parameters", arguments: ["tls-creds": nil]).isValid)
    }

    @Test func validCommandsPass() throws {
        let schema = try RecordedSchema.load()
        #expect(schema.check(command: "query-status", arguments: [:]) == SchemaCheck(violation: nil, deprecations: []))
        #expect(schema.check(command: "blockdev-add", arguments: ["driver": "null-co", "node-name": "n", "size": 1_048_576]).isValid)
        #expect(schema.check(command: "qom-set", arguments: ["path": "/machine", "property": "x", "value": [1, ["a": nil]]]).isValid)
        #expect(schema.check(command: "transaction", arguments: [
            "actions": [["type": "blockdev-backup", "data": ["device": "a", "target": "b", "sync": "full"]]],
        ]).isValid)
        // Every integer width is `int` in the schema: a uint64 size passes.
        #expect(schema.check(command: "blockdev-add", arguments: ["driver": "null-co", "node-name": "n", "size": .uint(UInt64.max)]).isValid)
    }

    @Test func deviceAddTakesAnyPropertiesButNeedsADriver() throws {
        let schema = try RecordedSchema.load()
        #expect(schema.check(command: "device_add", arguments: ["driver": "virtio-rng-pci", "id": "rng0", "max-bytes": 1_024]).isValid)
        #expect(schema.check(command: "device_add", arguments: ["driver": 5]).isValid, "QEMU reads it as text")
        #expect(schema.check(command: "device_add", arguments: [:]).violation?.errorDescription == "Parameter 'driver' is missing")
    }

    @Test func onlyCommandsThatAllowItRunOutOfBand() throws {
        let schema = try RecordedSchema.load()
        let status = schema.check(command: "query-status", arguments: [:], oob: true).violation
        #expect(status?.kind == .outOfBandNotAllowed)
        #expect(status?.errorDescription == "The command query-status does not support OOB")
        #expect(schema.check(command: "migrate-pause", arguments: [:], oob: true).isValid)
    }

    @Test func deprecatedCommandsMembersAndValuesAreReported() throws {
        let schema = try RecordedSchema.load()
        let eject = schema.check(command: "eject", arguments: ["device": "cd0"])
        #expect(eject.isValid)
        #expect(eject.deprecations == [SchemaDeprecation(command: "eject", path: "device")])
        #expect(eject.deprecations.first?.description == "member 'device' of 'eject' is deprecated")
        let backup = schema.check(command: "drive-backup", arguments: ["device": "d", "target": "t", "sync": "full"])
        #expect(backup.deprecations == [SchemaDeprecation(command: "drive-backup")])
        let action = schema.check(command: "transaction", arguments: [
            "actions": [["type": "drive-backup", "data": ["device": "d", "target": "t", "sync": "full"]]],
        ])
        #expect(action.isValid)
        #expect(action.deprecations == [SchemaDeprecation(command: "transaction", path: "actions[0].type", value: "drive-backup")])
        #expect(schema.check(command: "eject", arguments: ["id": "cd0"]).deprecations.isEmpty)
    }

    /// Found in review: the checker called itself once per variant, so a union that was its
    /// own variant overflowed the stack. Written in code (parsing rejects it), it now ends.
    @Test func aUnionThatIsItsOwnVariantEnds() {
        let schema = QMPSchema(
            commands: [SchemaCommand(name: "c", argumentType: "u", returnType: "str")],
            types: [
                .builtin(SchemaBuiltinType(name: "str", jsonType: .string)),
                .object(SchemaObjectType(
                    name: "u", members: [SchemaMember(name: "t", type: "str")],
                    tag: "t", variants: [SchemaVariant(tagValue: "a", type: "u")]
                )),
            ]
        )
        #expect(schema.check(command: "c", arguments: ["t": "a"]).isValid)
        #expect(schema.check(command: "c", arguments: ["t": "a", "x": 1]).violation?.kind == .unexpectedMember)
    }

    /// A peer's schema may chain variants at any length; the chain is followed in a loop.
    @Test func aLongChainOfVariantsIsChecked() throws {
        let length = 20_000
        var entities: [JSONValue] = [
            ["name": "c", "meta-type": "command", "arg-type": "u0", "ret-type": "str"],
            ["name": "str", "meta-type": "builtin", "json-type": "string"],
        ]
        for link in 0..<length {
            let variants: JSONValue = link + 1 < length ? [["case": "a", "type": .string("u\(link + 1)")]] : []
            entities.append(["name": .string("u\(link)"), "meta-type": "object", "members": [["name": "t", "type": "str"]], "tag": "t", "variants": variants])
        }
        let schema = try QMPSchema(.array(entities))
        #expect(schema.check(command: "c", arguments: ["t": "a"]).isValid)
        #expect(schema.check(command: "c", arguments: ["t": "a", "x": 1]).violation?.kind == .unexpectedMember)
    }

    @Test func aHandWrittenSchemaChecksNestedUnionsAndAlternates() {
        let schema = QMPSchema(
            commands: [SchemaCommand(name: "c", argumentType: "args", returnType: "any")],
            types: [
                .builtin(SchemaBuiltinType(name: "int", jsonType: .int)),
                .builtin(SchemaBuiltinType(name: "number", jsonType: .number)),
                .builtin(SchemaBuiltinType(name: "str", jsonType: .string)),
                .builtin(SchemaBuiltinType(name: "any", jsonType: .value)),
                .enumeration(SchemaEnumType(name: "kind", members: [SchemaEnumMember(name: "a"), SchemaEnumMember(name: "b")])),
                .alternate(SchemaAlternateType(name: "intOrKind", members: ["int", "kind"])),
                .array(SchemaArrayType(name: "[intOrKind]", elementType: "intOrKind")),
                .object(SchemaObjectType(name: "branchA", members: [SchemaMember(name: "x", type: "number")])),
                .object(SchemaObjectType(
                    name: "args",
                    members: [SchemaMember(name: "kind", type: "kind"), SchemaMember(name: "list", type: "[intOrKind]", isOptional: true)],
                    tag: "kind", variants: [SchemaVariant(tagValue: "a", type: "branchA")]
                )),
            ]
        )
        #expect(schema.check(command: "c", arguments: ["kind": "a", "x": 1]).isValid)
        #expect(schema.check(command: "c", arguments: ["kind": "a", "x": 1.5, "list": [1, "b"]]).isValid)
        #expect(schema.check(command: "c", arguments: ["kind": "a"]).violation?.errorDescription == "Parameter 'x' is missing")
        // A tag value without a variant adds no members.
        #expect(schema.check(command: "c", arguments: ["kind": "b"]).isValid)
        #expect(schema.check(command: "c", arguments: ["kind": "b", "x": 1]).violation?.kind == .unexpectedMember)
        #expect(schema.check(command: "c", arguments: ["kind": "a", "x": "1"]).violation?.kind == .wrongType(expected: "number"))
        let element = schema.check(command: "c", arguments: ["kind": "b", "list": [1, true]]).violation
        #expect(element?.errorDescription == "Invalid parameter type for 'null', expected: intOrKind")
        #expect(element?.path == "list[1]")
        #expect(schema.check(command: "c", arguments: ["kind": "b", "list": ["c"]]).violation?.kind == .invalidValue("c"))
        #expect(schema.check(command: "c", arguments: ["kind": "b", "list": [1.5]]).violation?.errorDescription
            == "Invalid parameter type for 'list[0]', expected: integer")
        #expect(schema.check(command: "d", arguments: [:]).violation?.kind == .unknownCommand)
    }
}
