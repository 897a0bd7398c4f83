import Foundation
import QMPChildProcess

/// `qmp-codegen`: QAPI reference manual → facts file; facts + `query-qmp-schema` → Swift.
///
/// ```
/// qmp-codegen facts MANUAL.7[.gz] FACTS
/// qmp-codegen swift --facts FACTS [--schema TRANSCRIPT] [--later LATER] --module NAME --reference PAGE --output DIR
/// ```
///
/// `--later` amends the model with facts from later QEMU releases (see ``LaterFacts``).
///
/// Both steps are deterministic: the same inputs give the same bytes.
@main
enum CodegenMain {
    static func main() {
        do {
            try run(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("qmp-codegen: \(error)\n".utf8))
            exit(1)
        }
    }

    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ arguments: [String]) throws {
        guard let command = arguments.first else { throw UsageError(description: usage) }
        switch command {
        case "facts":
            guard arguments.count == 3 else { throw UsageError(description: usage) }
            let manual = try readManual(arguments[1])
            let definitions = ManualParser.parse(manual)
            let source = URL(fileURLWithPath: arguments[1]).lastPathComponent
            try write(FactsFile.write(definitions, source: source), to: arguments[2])
        case "swift":
            let options = try Options(Array(arguments.dropFirst()))
            let definitions = try FactsFile.read(String(contentsOfFile: options.facts, encoding: .utf8))
            let schema = try options.schema.map { try Schema(transcript: String(contentsOfFile: $0, encoding: .utf8)) }
            var model = Model(definitions: definitions, schema: schema)
            if let later = options.later { try model.amend(with: LaterFacts.read(String(contentsOfFile: later, encoding: .utf8))) }
            for warning in model.warnings { FileHandle.standardError.write(Data("qmp-codegen: warning: \(warning)\n".utf8)) }
            let files = SwiftEmitter(model: model, module: options.module, reference: options.reference).files()
            try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
            for (name, text) in files { try write(text, to: options.output + "/" + name) }
        default:
            throw UsageError(description: usage)
        }
    }

    static let usage = """
        usage: qmp-codegen facts MANUAL.7[.gz] FACTS
               qmp-codegen swift --facts FACTS [--schema TRANSCRIPT] [--later LATER] --module NAME --reference PAGE --output DIR
        """

    struct Options {
        var facts = ""
        var schema: String?
        var later: String?
        var module = ""
        var reference = ""
        var output = ""

        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            while let flag = rest.popFirst() {
                guard let value = rest.popFirst() else { throw UsageError(description: "\(flag) needs a value\n" + usage) }
                switch flag {
                case "--facts": facts = value
                case "--schema": schema = value
                case "--later": later = value
                case "--module": module = value
                case "--reference": reference = value
                case "--output": output = value
                default: throw UsageError(description: "unknown option \(flag)\n" + usage)
                }
            }
            guard !facts.isEmpty, !module.isEmpty, !reference.isEmpty, !output.isEmpty else { throw UsageError(description: usage) }
        }
    }

    /// The manual's roff text; a `.gz` is decompressed by `gzip -dc`.
    ///
    /// Started through QMPChildProcess rather than Foundation's `Process`, whose monitoring
    /// thread is still running when the tool exits (see Scripts/test on `Process.run`).
    static func readManual(_ path: String) throws -> String {
        guard path.hasSuffix(".gz") else { return try String(contentsOfFile: path, encoding: .utf8) }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw UsageError(description: "no pipe for gzip -dc \(path)") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let output = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        let gzip: LaunchedProcess
        do {
            gzip = try LaunchedProcess(path: "/usr/bin/env", arguments: ["env", "gzip", "-dc", path], stdout: ends[1])
        } catch {
            close(ends[1])
            throw UsageError(description: "\(error)")
        }
        close(ends[1])
        let data = output.readDataToEndOfFile()
        gzip.waitForExit()
        guard gzip.exitStatus == 0 else { throw UsageError(description: "gzip -dc \(path) failed") }
        return String(decoding: data, as: UTF8.self)
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
