import Foundation
import QMPTestSupport
import Testing

/// The `command key=value` syntax, checked on the wire: `-v` traces each message sent.
@Suite("qmp-shell syntax", .serialized, .timeLimit(.minutes(2)))
struct ShellSyntaxTests {
    /// Runs `line` against the simulator and returns the `arguments` member it sent for command `x`.
    private func sentArguments(_ line: String) async throws -> String? {
        let output = try await BuiltTool.run("qmp-shell", ["-v", "-c", line])
        let prefix = #"-> {"execute":"x","arguments":"#
        guard let sent = output.stderr.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
              let idStart = sent.range(of: #","id":"qmp-shell-"#) else { return nil }
        return String(sent[sent.index(sent.startIndex, offsetBy: prefix.count)..<idStart.lowerBound])
    }

    @Test(arguments: [
        (#"x a.b=1 a.c="x""#, #"{"a":{"b":1,"c":"x"}}"#),
        (#"x a.b.c=null a.b.d=[1, 2]"#, #"{"a":{"b":{"c":null,"d":[1,2]}}}"#),
        (#"x name=vm-1 path=/tmp/a:b empty="#, #"{"name":"vm-1","path":"/tmp/a:b","empty":""}"#),
        (#"x n=-3 f=1.5 big=1e3 quoted="1""#, #"{"n":-3,"f":1.5,"big":1000.0,"quoted":"1"}"#),
        (#"x t=true f=FALSE T=True"#, #"{"t":true,"f":false,"T":true}"#),
        (#"x s='a b' d="c \"d\"""#, #"{"s":"a b","d":"c \"d\""}"#),
        (#"x o={"k": [1, {"z": "a b"}]}"#, #"{"o":{"k":[1,{"z":"a b"}]}}"#),
        (#"x o={'k': True, 'n': None, 'q': "it's"}"#, #"{"o":{"k":true,"n":null,"q":"it's"}}"#),
        ("x\ttab=1   spaces=2", #"{"tab":1,"spaces":2}"#),
        // Python's int() forms, which its qmp-shell sends as numbers.
        ("x h=01 j=+1 k=1_000 m=-007 z=00", #"{"h":1,"j":1,"k":1000,"m":-7,"z":0}"#),
        ("x a=1__0 b=_1 c=1_ d=+ e=0x10", #"{"a":"1__0","b":"_1","c":"1_","d":"+","e":"0x10"}"#),
        ("\t x tab=1\t", #"{"tab":1}"#),
    ])
    func valuesAndNesting(line: String, arguments: String) async throws {
        #expect(try await sentArguments(line) == arguments)
    }

    @Test func transactionsCollectOneActionPerLine() async throws {
        let script = """
        transaction(
        block-dirty-bitmap-add node=d0 name=b1
        abort
        )
        transaction( abort x=1 )
        """
        let output = try await BuiltTool.run("qmp-shell", ["-v"], input: script)
        let sent = output.stderr.split(separator: "\n").filter { $0.hasPrefix(#"-> {"execute":"transaction""#) }
        #expect(sent.count == 2)
        #expect(sent.first?.contains(
            #"{"actions":[{"type":"block-dirty-bitmap-add","data":{"node":"d0","name":"b1"}},{"type":"abort","data":{}}]}"#
        ) == true)
        #expect(sent.last?.contains(#"{"actions":[{"type":"abort","data":{"x":1}}]}"#) == true)
    }

    @Test(arguments: [
        ("key=value", "a line starts with the command name, not 'key=value'"),
        ("x y", "expected key=value, got 'y'"),
        ("x a=1 a=2", "'a' is given twice"),
        ("x a=1 a.b=2", "'a.b' is used both as a value and as an object"),
        ("x a.b=2 a=1", "'a' is used both as a value and as an object"),
        ("x .a=1", "empty key in '.a=1'"),
        ("x a='open", "unterminated ' quote in 'a='open'"),
        (#"x a={"b": 1"#, "unclosed '{' or '['"),
        ("x a=1]", "unbalanced ']'"),
        ("[1]", "'[1]' is not a command name"),
        (#"{"broken"#, "invalid JSON"),
        ("[\"a\"]", "is not a command name"),
        ("transaction(\nabort\n) x", "unexpected input after the ')' that closes a transaction"),
        ("transaction(\nabort", "input ended inside 'transaction(' (1 action(s) not sent)"),
    ])
    func badLinesAreOneLineSyntaxErrors(script: String, message: String) async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-v"], input: script + "\n")
        #expect(output.status == 1)
        let errors = output.stdout.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("error: syntax: ") == true)
        #expect(errors.first?.contains(message) == true, "\(errors)")
        #expect(!output.stderr.contains(#"-> {"execute":"x""#), "a bad line sends nothing")
    }

    /// Found in review: each level of a dotted key was a recursive call, and a 120 KB line
    /// overflowed the stack. (Not among the bad lines above: a failure there prints the line.)
    @Test(arguments: [1_023, 60_000])
    func keysDeeperThanJSONAllowsAreSyntaxErrors(depth: Int) async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-v"], input: Self.line(withKeyDepth: depth) + "\n")
        #expect(output.status == 1)
        #expect(output.stdout.contains("error: syntax: a key nests \(depth) levels"))
        #expect(!output.stderr.contains(#"-> {"execute":"x""#), "a bad line sends nothing")
    }

    @Test func keysNestAsDeepAsJSONAllows() async throws {
        let depth = 1_022
        let expected = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(try await sentArguments(Self.line(withKeyDepth: depth)) == expected)
    }

    /// `x a.a.….a=1`, its key `depth` parts long.
    private static func line(withKeyDepth depth: Int) -> String {
        "x " + Array(repeating: "a", count: depth).joined(separator: ".") + "=1"
    }

    @Test("qom-tree's arguments are checked before anything is sent")
    func qomTreeArguments() async throws {
        for (line, message) in [("qom-tree /machine extra", "qom-tree takes one PATH, got 2 arguments"),
                                ("qom-tree foo=1", "qom-tree takes PATH or path=PATH, got 'foo=1'")] {
            let output = try await BuiltTool.run("qmp-shell", ["-v", "-c", line])
            #expect(output.status == 1)
            #expect(output.stdout.contains("error: syntax: \(message)"), "\(output.stdout)")
            #expect(!output.stderr.contains("qom-"), "nothing sent: \(output.stderr)")
        }
    }

    @Test func syntaxErrorsInJSONMode() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["--json", "-c", "x y"])
        #expect(output.status == 1)
        #expect(output.stdout == #"{"error":{"class":"SyntaxError","desc":"expected key=value, got 'y'"}}"# + "\n")
    }
}
