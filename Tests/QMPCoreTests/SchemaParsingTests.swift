import Foundation
import QMPCore
import Testing

/// The schema QEMU 7.2 (x86_64, `-machine none`) answered, as recorded in the transcripts.
enum RecordedSchema {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../QMPMockTests/Transcripts/schema.qmp").standardized.path

    /// The `return` value of the recorded `query-qmp-schema` reply.
    static func value() throws -> JSONValue {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let prefix = "<- {\"return\": ["
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(prefix) })
        return try #require(try JSONParser.parse(Array(line.dropFirst(3).utf8))["return"])
    }

    /// Parsed once for all the tests.
    private static let parsed = Result { try QMPSchema(value()) }

    static func load() throws -> QMPSchema { try parsed.get() }
}

@Suite("QMPSchema parsing")
struct SchemaParsingTests {
    @Test func theRecordedSchemaHasQEMU72sCounts() throws {
        let schema = try RecordedSchema.load()
        #expect(schema.commands.count == 216)
        #expect(schema.events.count == 52)
        #expect(schema.objectTypes.count == 553)
        #expect(schema.enumTypes.count == 132)
        #expect(schema.alternateTypes.count == 6)
        #expect(schema.types.count == 553 + 132 + 6 + 86 + 6)
    }

    @Test func commandsMembersAndUnionsReadAsRecorded() throws {
        let schema = try RecordedSchema.load()
        let add = try #require(schema.commands["blockdev-add"])
        let options = try #require(schema.objectType(named: add.argumentType))
        #expect(options.tag == "driver")
        #expect(options.variants.contains { $0.tagValue == "null-co" })
        let driver = try #require(options.members.first { $0.name == "driver" })
        #expect(!driver.isOptional)
        #expect(options.members.first { $0.name == "node-name" }?.isOptional == true)
        guard case .enumeration(let drivers)? = schema.types[driver.type] else {
            Issue.record("driver is not an enum")
            return
        }
        #expect(drivers.values.contains("qcow2"))
        #expect(schema.commands["drive-backup"]?.isDeprecated == true)
        #expect(schema.commands["query-status"]?.isDeprecated == false)
        #expect(schema.commands.values.filter(\.allowsOOB).map(\.name).sorted().contains("migrate-recover"))
        let ejectCommand = try #require(schema.commands["eject"])
        let eject = try #require(schema.objectType(named: ejectCommand.argumentType))
        #expect(eject.members.first { $0.name == "device" }?.isDeprecated == true)
        guard case .builtin(let int)? = schema.types["int"] else {
            Issue.record("no int builtin")
            return
        }
        #expect(int.jsonType == .int)
        #expect(schema.events["JOB_STATUS_CHANGE"] != nil)
    }

    @Test func enumsFromBeforeQEMU62ReadFromValues() throws {
        let schema = try QMPSchema([
            ["name": "e", "meta-type": "enum", "values": ["a", "b"]],
        ])
        guard case .enumeration(let type)? = schema.types["e"] else {
            Issue.record("no enum")
            return
        }
        #expect(type.values == ["a", "b"])
    }

    @Test func unknownMetaTypesAndMembersAreSkipped() throws {
        let schema = try QMPSchema([
            ["name": "str", "meta-type": "builtin", "json-type": "string", "new": 1],
            ["name": "x", "meta-type": "something-newer"],
        ])
        #expect(schema.types.count == 1)
    }

    @Test(arguments: [
        ("not an array", JSONValue.object([:]), "expected an array of entities, got object"),
        ("entity not an object", [1], "entity 0: expected an object, got integer"),
        ("no name", [["meta-type": "enum"]], "entity 0: 'name' is missing or not a string"),
        ("no meta-type", [["name": "a"]], "entity 0 ('a'): 'meta-type' is missing"),
        ("command without ret-type", [["name": "c", "meta-type": "command", "arg-type": "0"]], "entity 0 ('c'): 'ret-type' is missing"),
        ("allow-oob not a bool", [["name": "c", "meta-type": "command", "arg-type": "0", "ret-type": "0", "allow-oob": "yes"]],
         "entity 0 ('c'): 'allow-oob' must be a boolean, not string"),
        ("member without type", [["name": "o", "meta-type": "object", "members": [["name": "m"]]]],
         "entity 0 ('o'): 'members[0].type' is missing"),
        ("features not strings", [["name": "e", "meta-type": "enum", "members": [["name": "a", "features": [1]]]]],
         "entity 0 ('e'): 'members[0].features[0]' must be a string, not integer"),
        ("dangling type", [["name": "c", "meta-type": "command", "arg-type": "0", "ret-type": "0"]],
         "entity 0 ('c'): 'arg-type' refers to type '0', which the schema does not define"),
        ("tag not a member", [["name": "u", "meta-type": "object", "members": [], "tag": "t", "variants": []]],
         "entity 0 ('u'): 'tag' names 't', which is not one of its members"),
        ("unknown json-type", [["name": "b", "meta-type": "builtin", "json-type": "blob"]],
         "entity 0 ('b'): 'json-type' is 'blob'"),
        ("variants not objects", [["name": "u", "meta-type": "object", "members": [], "variants": ["x"]]],
         "entity 0 ('u'): 'variants[0]' must be an object, not string"),
        // Found in review: checking arguments followed such a chain until the stack overflowed.
        ("union that is its own variant",
         [["name": "u", "meta-type": "object", "members": [["name": "t", "type": "str"]], "tag": "t", "variants": [["case": "a", "type": "u"]]],
          ["name": "str", "meta-type": "builtin", "json-type": "string"]],
         "type 'u' has variant 'u', which leads back to 'u'"),
        ("variants that lead to each other",
         [["name": "u", "meta-type": "object", "members": [["name": "t", "type": "str"]], "tag": "t", "variants": [["case": "a", "type": "v"]]],
          ["name": "v", "meta-type": "object", "members": [["name": "t", "type": "str"]], "tag": "t", "variants": [["case": "a", "type": "u"]]],
          ["name": "str", "meta-type": "builtin", "json-type": "string"]],
         "which leads back to"),
    ] as [(String, JSONValue, String)])
    func malformedSchemasFailWithADecodingError(_ label: String, _ value: JSONValue, _ message: String) {
        #expect {
            try QMPSchema(value)
        } throws: { error in
            guard let error = error as? QMPError else { return false }
            return error.code == .decodingFailed && error.command == "query-qmp-schema" && error.message.contains(message)
        }
    }

    @Test func everyTruncationOfTheRecordedSchemaEitherParsesOrThrows() throws {
        // Each entity with one member removed: a typed error or a schema, never a trap.
        guard case .array(let entities) = try RecordedSchema.value() else {
            Issue.record("not an array")
            return
        }
        var failures = 0
        for index in stride(from: 0, to: entities.count, by: 97) {
            guard var object = entities[index].objectValue, let key = object.keys.last else { continue }
            object[key] = nil
            var damaged = entities
            damaged[index] = .object(object)
            do { _ = try QMPSchema(.array(damaged)) } catch { failures += 1 }
        }
        #expect(failures > 0)
    }
}
