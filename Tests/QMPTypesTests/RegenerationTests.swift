import Foundation
import QMPTestSupport
import Testing

/// `qmp-codegen`, run as the built tool, gives the committed facts and Swift byte for byte.
@Suite("Regenerating the typed bindings", .timeLimit(.minutes(2)))
struct RegenerationTests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// One generated module and what it is generated from (as Scripts/generate-types runs it).
    struct Binding: Sendable, CustomTestStringConvertible {
        var module: String
        var manual: String
        var facts: String
        var schema: String?
        /// Facts from later QEMU releases (see `LaterFacts` in qmp-codegen).
        var later: String
        var reference: String

        var testDescription: String { module }
        var generated: String { RegenerationTests.package + "/Sources/\(module)/Generated" }
    }

    static let bindings = [
        Binding(
            module: "QMPTypes", manual: "/usr/share/man/man7/qemu-qmp-ref.7.gz",
            facts: package + "/Sources/qmp-codegen/Facts/Data/qemu-qmp-ref.facts",
            schema: package + "/Tests/QMPMockTests/Transcripts/schema.qmp",
            later: package + "/Sources/qmp-codegen/Facts/Data/qemu-qmp-ref.later", reference: "qemu-qmp-ref(7)"),
        Binding(
            module: "QMPGuestAgentTypes", manual: "/usr/share/man/man7/qemu-ga-ref.7.gz",
            facts: package + "/Sources/qmp-codegen/Facts/Data/qemu-ga-ref.facts",
            schema: nil, later: package + "/Sources/qmp-codegen/Facts/Data/qemu-ga-ref.later", reference: "qemu-ga-ref(7)"),
    ]

    @Test("the facts (and schema) give the committed Generated folder", arguments: bindings)
    func swiftFromFacts(_ binding: Binding) async throws {
        let output = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: output) }
        var arguments = ["swift", "--facts", binding.facts]
        if let schema = binding.schema { arguments += ["--schema", schema] }
        arguments += ["--later", binding.later, "--module", binding.module, "--reference", binding.reference, "--output", output]
        let run = try await BuiltTool.run("qmp-codegen", arguments)
        #expect(run.status == 0, "\(run.stderr)")
        if binding.schema != nil { #expect(run.stderr.isEmpty, "warnings: \(run.stderr)") }
        let committed = try FileManager.default.contentsOfDirectory(atPath: binding.generated).sorted()
        let fresh = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(fresh == committed)
        for name in committed where fresh.contains(name) {
            let same = FileManager.default.contentsEqual(atPath: output + "/" + name, andPath: binding.generated + "/" + name)
            #expect(same, "\(binding.module)/Generated/\(name) differs from a fresh generation: run Scripts/generate-types")
        }
    }

    @Test("the installed reference manual gives the committed facts file", arguments: bindings)
    func factsFromManual(_ binding: Binding) async throws {
        guard FileManager.default.fileExists(atPath: binding.manual) else {
            // Under CI the manuals are installed (qemu-system-common, qemu-guest-agent): missing is a failure.
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(binding.manual) is missing") }
            return
        }
        let output = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try await BuiltTool.run("qmp-codegen", ["facts", binding.manual, output + "/facts"])
        #expect(run.status == 0, "\(run.stderr)")
        let fresh = try String(contentsOfFile: output + "/facts", encoding: .utf8)
        let committed = try String(contentsOfFile: binding.facts, encoding: .utf8)
        #expect(fresh == committed, "the facts differ from \(binding.manual)'s: run Scripts/generate-types")
    }
}
