import Foundation
import QMP
import QMPMock
import Testing

/// The schema `SimulatedQEMU` embeds is the recorded one, entity for entity.
@Suite("Embedded QEMU 7.2 schema")
struct EmbeddedSchemaTests {
    static let sourcePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/QMPMock/Schema/RecordedSchema+Text.swift").standardized.path

    /// The `return` value of the recorded `query-qmp-schema`.
    static func recorded() throws -> JSONValue {
        let transcript = try Transcripts.load("schema")
        let messages = try transcript.entries.compactMap { try $0.message() }
        let reply = try #require(messages.first { $0["return"]?.arrayValue != nil })
        return try #require(reply["return"])
    }

    @Test func isTheRecordedSchema() async throws {
        let client = QMPClient()
        try await client.connect(SimulatedQEMU().makeClientTransport())
        let answered = try await client.execute("query-qmp-schema")
        await client.disconnect()
        #expect(answered == (try Self.recorded()), "re-embed it: QMP_EMBED_SCHEMA=1 swift test --filter EmbeddedSchemaTests")
        var parsed = try QMPSchema(try Self.recorded())
        parsed.typeNames = SimulatedQEMU.recordedSchema.typeNames
        #expect(SimulatedQEMU.recordedSchema == parsed)
        #expect(SimulatedQEMU.recordedSchema.commands.count == 216)
    }

    @Test func namesEveryAlternate() {
        let schema = SimulatedQEMU.recordedSchema
        #expect(Set(schema.typeNames.keys) == Set(schema.alternateTypes.map(\.name)))
    }

    /// Writes the Swift source from the transcript: one entity per line, in QEMU's spacing.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["QMP_EMBED_SCHEMA"] == "1"))
    func embed() throws {
        guard case .array(let entities) = try Self.recorded() else {
            Issue.record("the recorded schema is not an array")
            return
        }
        let lines = entities.map { String(decoding: $0.serializedBytesQEMUStyle(), as: UTF8.self) }
        let source = """
            // Generated from Tests/QMPMockTests/Transcripts/schema.qmp by
            // `QMP_EMBED_SCHEMA=1 swift test --filter EmbeddedSchemaTests`; do not edit.

            extension RecordedSchema {
                /// The `return` value of `query-qmp-schema` of QEMU 7.2 (`qemu-system-x86_64 -machine none`).
                static let text = #\"\"\"
            [
            \(lines.joined(separator: ",\n"))
            ]
            \"\"\"#
            }

            """
        try source.write(toFile: Self.sourcePath, atomically: true, encoding: .utf8)
    }
}
