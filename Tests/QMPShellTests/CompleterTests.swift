@testable import qmp_shell
import QMP
import Testing

@Suite("Tab completion")
struct CompleterTests {
    /// A slice of QEMU's schema shape: a command whose arguments are a union with a nested object and an enum.
    private let schema = CommandSchema(parsing: [
        ["name": "blockdev-add", "meta-type": "command", "arg-type": "0", "ret-type": "1"],
        ["name": "stop", "meta-type": "command", "arg-type": "2", "ret-type": "1"],
        ["name": "0", "meta-type": "object", "tag": "driver",
         "members": [["name": "driver", "type": "3"], ["name": "node-name", "type": "str", "default": nil], ["name": "read-only", "type": "bool"]],
         "variants": [["case": "file", "type": "4"], ["case": "null-co", "type": "7"]]],
        ["name": "7", "meta-type": "object", "members": [["name": "size", "type": "int"]]],
        ["name": "4", "meta-type": "object", "members": [["name": "filename", "type": "str"], ["name": "aio", "type": "5"], ["name": "cache", "type": "6"]]],
        ["name": "6", "meta-type": "object", "members": [["name": "direct", "type": "bool"], ["name": "no-flush", "type": "bool"]]],
        ["name": "3", "meta-type": "enum", "values": ["file", "null-co", "qcow2"]],
        ["name": "5", "meta-type": "enum", "values": ["threads", "native", "io_uring"]],
        ["name": "2", "meta-type": "object", "members": []],
        ["name": "bool", "meta-type": "builtin", "json-type": "boolean"],
        ["name": "str", "meta-type": "builtin", "json-type": "string"],
        ["bogus": true], 42,
    ])

    private var completer: Completer { Completer(commands: ["blockdev-add", "blockdev-del", "stop", "qom-tree"], schema: schema) }

    @Test func commandNames() {
        #expect(completer.complete("blo") == Completion(wordStart: 0, candidates: ["blockdev-add ", "blockdev-del "]))
        #expect(completer.complete("st").insertion == "stop ")
    }

    @Test func argumentNamesIncludingEveryBranchOfAUnion() {
        let names = completer.complete("blockdev-add ").candidates
        #expect(names == ["aio=", "cache.", "driver=", "filename=", "node-name=", "read-only=", "size="])
        #expect(completer.complete("blockdev-add driver=file no").candidates == ["node-name="])
        #expect(completer.complete("blockdev-add driver=file d").candidates.isEmpty, "given once already")
    }

    @Test("once the tag is on the line, a union offers its own members and that branch's only")
    func unionNarrowsOnItsTag() {
        #expect(completer.complete("blockdev-add driver=null-co ").candidates == ["node-name=", "read-only=", "size="])
        #expect(completer.complete("blockdev-add driver=file ").candidates == ["aio=", "cache.", "filename=", "node-name=", "read-only="])
        #expect(completer.complete("blockdev-add driver=file aio=").candidates == ["aio=io_uring ", "aio=native ", "aio=threads "])
        #expect(completer.complete("blockdev-add driver=vvfat ").candidates.count == 6, "an unknown branch narrows nothing (all but driver)")
        #expect(completer.complete("blockdev-add driver=file cache.direct=true cache.").candidates == ["cache.no-flush="])
    }

    @Test func dottedKeysAndEnumValues() {
        #expect(completer.complete("blockdev-add cache.").candidates == ["cache.direct=", "cache.no-flush="])
        #expect(completer.complete("blockdev-add cache.d") == Completion(wordStart: 13, candidates: ["cache.direct="]))
        #expect(completer.complete("blockdev-add driver=q").candidates == ["driver=qcow2 "])
        #expect(completer.complete("blockdev-add cache.direct=").candidates == ["cache.direct=false ", "cache.direct=true "])
    }

    @Test func unknownCommandsAndSchemasCompleteNothing() {
        #expect(completer.complete("frob a").candidates.isEmpty)
        let bare = Completer(commands: ["stop"], schema: CommandSchema(parsing: "not a schema"))
        #expect(bare.complete("stop x").candidates.isEmpty)
        #expect(bare.complete("s").candidates == ["stop "])
    }

    /// Found in review: completion followed alternates into alternates, so one that names
    /// itself overflowed the stack, and a chain whose links each name the next twice took 2^n steps.
    @Test func alternatesOfAlternatesEndCompletion() {
        var entities: [JSONValue] = [
            ["name": "x", "meta-type": "command", "arg-type": "args", "ret-type": "args"],
            ["name": "args", "meta-type": "object", "members": [["name": "loop", "type": "self"], ["name": "chain", "type": "a0"]]],
            ["name": "self", "meta-type": "alternate", "members": [["type": "self"], ["type": "bool"]]],
            ["name": "bool", "meta-type": "builtin", "json-type": "boolean"],
        ]
        for link in 0..<40 {
            entities.append(["name": .string("a\(link)"), "meta-type": "alternate", "members": [["type": .string("a\(link + 1)")], ["type": .string("a\(link + 1)")]]])
        }
        entities.append(["name": "a40", "meta-type": "builtin", "json-type": "boolean"])
        let completer = Completer(commands: ["x"], schema: CommandSchema(parsing: .array(entities)))
        #expect(completer.complete("x ").candidates == ["chain=", "loop="])
        #expect(completer.complete("x loop=").candidates == ["loop=false ", "loop=true "])
        #expect(completer.complete("x chain=").candidates.isEmpty)
    }

    @Test func hmpHelpGivesNamesAndAliases() {
        let help = "info [subcommand] -- show various information\r\nc|cont  -- resume emulation\r\nq|quit  -- quit the emulator\r\n"
        #expect(CompletionSource.hmpCommands(help) == ["info", "c", "cont", "q", "quit"])
    }

    @Test func hmpInfoSubcommands() {
        let names = CompletionSource.hmpCommands("info balloon  -- show balloon information\r\ninfo status  -- show the VM status\r\n", after: "info")
        #expect(names == ["balloon", "status"])
        let hmp = Completer(commands: ["info", "cont"], schema: CommandSchema(), subcommands: ["info": names])
        #expect(hmp.complete("info st") == Completion(wordStart: 5, candidates: ["status "]))
        #expect(hmp.complete("i").candidates == ["info "])
    }

    @Test func columnsFitTheWidth() {
        #expect(TerminalLineReader.columns(["stop", "cont", "quit"], width: 12) == "stop  cont\nquit\n")
    }
}
