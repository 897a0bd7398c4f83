import Foundation
import Testing

/// Keeps the article "Porting the events tutorial" in step with the code that
/// `TutorialSnippetsTests` compiles and runs: every ```swift block of the article
/// must be one of the test file's `// snippet: NAME` … `// end snippet` regions,
/// verbatim but for leading indentation, and every region must appear in the article.
@Suite("The porting article shows only compiled code", .timeLimit(.minutes(1)))
struct TutorialArticleTests {
    /// The package's root, three levels above this file (`Tests/QMPMockTests/…`).
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let articlePath = "Sources/QMP/QMP.docc/PortingTheEventsTutorial.md"
    private static let snippetsPath = "Tests/QMPMockTests/TutorialSnippetsTests.swift"

    private static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The lines without indentation or trailing spaces, and without blank lines at either end.
    static func normalized(_ lines: [Substring]) -> String {
        var lines = lines.map { $0.trimmingCharacters(in: .whitespaces) }
        while lines.first == "" { lines.removeFirst() }
        while lines.last == "" { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// The marked regions of a Swift file, by name, in order.
    static func snippets(in source: String) throws -> [(name: String, code: String)] {
        var result: [(name: String, code: String)] = []
        var open: (name: String, lines: [Substring])?
        for (number, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("// snippet:") {
                guard open == nil else { throw MarkerError(line: number + 1, problem: "a snippet starts inside another") }
                let name = trimmed.dropFirst("// snippet:".count).trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, !result.contains(where: { $0.name == name }) else {
                    throw MarkerError(line: number + 1, problem: "a snippet needs a name of its own, not '\(name)'")
                }
                open = (name, [])
            } else if trimmed == "// end snippet" {
                guard let region = open else { throw MarkerError(line: number + 1, problem: "an end without a start") }
                result.append((region.name, normalized(region.lines)))
                open = nil
            } else if open != nil {
                open?.lines.append(line)
            }
        }
        if let open { throw MarkerError(line: 0, problem: "snippet '\(open.name)' never ends") }
        return result
    }

    /// The contents of the Markdown's ```swift fences, in order.
    static func swiftBlocks(in markdown: String) -> [String] {
        var blocks: [String] = []
        var open: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if open == nil, trimmed == "```swift" {
                open = []
            } else if let lines = open, trimmed == "```" {
                blocks.append(normalized(lines))
                open = nil
            } else if open != nil {
                open?.append(line)
            }
        }
        return blocks
    }

    struct MarkerError: Error, CustomStringConvertible {
        var line: Int
        var problem: String
        var description: String { "\(TutorialArticleTests.snippetsPath):\(line): \(problem)" }
    }

    @Test func everyBlockOfTheArticleIsCompiledCode() throws {
        let snippets = try Self.snippets(in: Self.read(Self.snippetsPath))
        let blocks = Self.swiftBlocks(in: try Self.read(Self.articlePath))
        #expect(blocks.count >= 15, "the article has \(blocks.count) Swift blocks")
        let compiled = Set(snippets.map(\.code))
        for block in blocks where !compiled.contains(block) {
            Issue.record("""
                A ```swift block of \(Self.articlePath) is not a snippet of \(Self.snippetsPath); \
                copy the region between `// snippet: NAME` and `// end snippet` exactly:
                \(block)
                """)
        }
        let shown = Set(blocks)
        for snippet in snippets where !shown.contains(snippet.code) {
            Issue.record("snippet '\(snippet.name)' of \(Self.snippetsPath) is not shown as it is in \(Self.articlePath)")
        }
    }

    @Test func theCheckSeesDrift() throws {
        let source = """
            func f() {
                // snippet: a
                let x = 1
                    print(x)
                // end snippet
            }
            """
        let snippets = try Self.snippets(in: source)
        #expect(snippets.map(\.name) == ["a"])
        #expect(snippets.first?.code == "let x = 1\nprint(x)")
        let article = "Text\n\n```swift\nlet x = 1\n  print(x)  \n```\n\n```swift\nlet x = 2\n```\n"
        #expect(Self.swiftBlocks(in: article) == ["let x = 1\nprint(x)", "let x = 2"])
        #expect(throws: MarkerError.self) { try Self.snippets(in: "// snippet: a\n// snippet: b\n") }
        #expect(throws: MarkerError.self) { try Self.snippets(in: "// snippet: a\nlet x = 1\n") }
    }
}
