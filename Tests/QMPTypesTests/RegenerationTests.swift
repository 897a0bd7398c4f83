import Foundation
import QMPTestSupport
import Testing

/// `qmp-codegen`, run as the built tool, gives the committed facts and Swift byte for byte.
@Suite("Regenerating the typed bindings", .timeLimit(.minutes(2)))
struct RegenerationTests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let manual = "/usr/share/man/man7/qemu-qmp-ref.7.gz"
    static let facts = package + "/Sources/qmp-codegen/Facts/Data/qemu-qmp-ref.facts"
    static let generated = package + "/Sources/QMPTypes/Generated"

    @Test("facts + schema give the committed Sources/QMPTypes/Generated")
    func swiftFromFacts() async throws {
        let output = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try await BuiltTool.run("qmp-codegen", [
            "swift", "--facts", Self.facts, "--schema", Self.package + "/Tests/QMPMockTests/Transcripts/schema.qmp",
            "--module", "QMPTypes", "--reference", "qemu-qmp-ref(7)", "--output", output,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "warnings: \(run.stderr)")
        let committed = try FileManager.default.contentsOfDirectory(atPath: Self.generated).sorted()
        let fresh = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        #expect(fresh == committed)
        for name in committed where fresh.contains(name) {
            let same = FileManager.default.contentsEqual(atPath: output + "/" + name, andPath: Self.generated + "/" + name)
            #expect(same, "\(name) differs from a fresh generation: run Scripts/generate-types")
        }
    }

    @Test(
        "the installed QMP reference manual gives the committed facts file",
        .enabled("needs \(manual) (set CI=true to fail instead of skipping)") {
            FileManager.default.fileExists(atPath: manual) || ProcessInfo.processInfo.environment["CI"] == "true"
        }
    )
    func factsFromManual() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.manual), "\(Self.manual) is missing (qemu-system-common)")
        let output = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try await BuiltTool.run("qmp-codegen", ["facts", Self.manual, output + "/facts"])
        #expect(run.status == 0, "\(run.stderr)")
        let fresh = try String(contentsOfFile: output + "/facts", encoding: .utf8)
        let committed = try String(contentsOfFile: Self.facts, encoding: .utf8)
        #expect(fresh == committed, "the facts differ from the installed manual's: run Scripts/generate-types")
    }
}
