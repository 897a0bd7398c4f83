import Foundation
@testable import qmp_shell
import QMPTestSupport
import Testing

@Suite("history file")
struct HistoryFileTests {
    private func withFile(_ body: (HistoryFile, String) throws -> Void) throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/.qmp-shell_history"
        try body(HistoryFile(path: path), path)
    }

    @Test func aMissingFileIsAnEmptyHistory() throws {
        try withFile { file, _ in
            let entries = try file.load()
            #expect(entries.isEmpty)
        }
    }

    @Test func readsPythonsFormatSkippingReadlineTimestamps() throws {
        try withFile { file, path in
            try "query-status\n#1700000000\nstop\n\ncont\n".write(toFile: path, atomically: true, encoding: .utf8)
            let entries = try file.load()
            #expect(entries == ["query-status", "stop", "cont"])
        }
    }

    @Test func keepsTheNewest1024() throws {
        try withFile { file, path in
            try (0..<1030).map { "line \($0)" }.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            try file.append("newest")
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 1024)
            #expect(lines.first == "line 7")
            #expect(lines.last == "newest")
        }
    }

    @Test func aFileThatIsNoTextIsAProblemNotACrash() throws {
        try withFile { file, path in
            try Data([0x73, 0x74, 0x00, 0x0A, 0xC3, 0x28]).write(to: URL(fileURLWithPath: path))
            #expect(throws: HistoryFile.Problem.self) { try file.load() }
            #expect(throws: HistoryFile.Problem.self, "and is never overwritten") { try file.append("x") }
            let kept = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(kept == Data([0x73, 0x74, 0x00, 0x0A, 0xC3, 0x28]))
        }
    }

    @Test("a line that is not UTF-8 is left out of the history, and kept in the file")
    func aLineThatIsNotUTF8() throws {
        try withFile { file, path in
            let latin1 = Array("x a=caf".utf8) + [0xE9]
            try Data(Array("query-status\n".utf8) + latin1 + Array("\nstop\n".utf8)).write(to: URL(fileURLWithPath: path))
            #expect(try file.load() == ["query-status", "stop"])
            try file.append("cont")
            let kept = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(kept == Data(Array("query-status\n".utf8) + latin1 + Array("\nstop\ncont\n".utf8)))
        }
    }

    @Test func aDirectoryInItsPlaceIsAProblem() throws {
        try withFile { file, path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(throws: HistoryFile.Problem.self) { try file.load() }
        }
    }

    /// Eight writers at once, as eight shells would (each append opens its own lock, so
    /// they exclude each other as separate processes do): no line lost, none torn.
    @Test func concurrentAppendsLoseNothing() throws {
        try withFile { file, path in
            DispatchQueue.concurrentPerform(iterations: 8) { writer in
                for line in 0..<20 { try? file.append("writer \(writer) line \(line)") }
            }
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == 160)
            #expect(Set(lines) == Set((0..<8).flatMap { writer in (0..<20).map { "writer \(writer) line \($0)" } }))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            #expect(leftovers.sorted() == [".qmp-shell_history", ".qmp-shell_history.lock"], "no temporary file left")
        }
    }
}
