import Foundation
import QMPChildProcess
import QMPTestSupport
import Testing

@Suite("qmp-shell as a process", .serialized, .timeLimit(.minutes(3)))
struct ShellTests {
    @Test func firstLineSaysItIsTheSimulator() async throws {
        let output = try await BuiltTool.run("qmp-shell", [], input: "query-status\n")
        #expect(output.status == 0)
        #expect(output.stdout.split(separator: "\n").first?.contains("built-in simulated QEMU") == true)
        #expect(output.stdout.contains(#"{"status":"running","singlestep":false,"running":true}"#))
    }

    @Test func runsAStdinScriptWithEventsInWireOrder() async throws {
        let script = """
        stop
        # comments and blank lines are skipped

        query-status
        cont
        blockdev-add driver=null-co node-name=src size=1048576
        blockdev-add driver=null-co node-name=dst size=1048576
        blockdev-backup job-id=job0 device=src target=dst sync=full
        """
        let output = try await BuiltTool.run("qmp-shell", ["--events", "stop,Resume,BLOCK_JOB_COMPLETED"], input: script)
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").dropFirst(2).map(String.init)
        #expect(lines.count == 9)
        #expect(lines[0].hasSuffix("] STOP"))
        #expect(lines[1] == "{}")
        #expect(lines[2].contains(#""status":"paused""#))
        #expect(lines[3].hasSuffix("] RESUME"))
        #expect(lines[7].contains(#"BLOCK_JOB_COMPLETED {"device":"job0""#))
        #expect(!output.stdout.contains("JOB_STATUS_CHANGE"), "--events filters, ignoring case")
    }

    @Test func nestedKeysAndJSONValues() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-v", "-c", #"frob a.b=1 a.c="x" list=[1,2] flag=true name=vm-1 obj={"k": [1, 2]}"#])
        #expect(output.status == 1, "the simulator does not know 'frob'")
        #expect(output.stderr.contains(#""arguments":{"a":{"b":1,"c":"x"},"list":[1,2],"flag":true,"name":"vm-1","obj":{"k":[1,2]}}"#))
        #expect(output.stdout.contains("error: CommandNotFound: The command frob has not been found"))
    }

    @Test func jsonModeIsOneObjectPerLine() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["--json"], input: "stop\nnope\n")
        #expect(output.status == 1)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].contains(#""event":"STOP""#))
        #expect(lines[1] == #"{"return":{}}"#)
        #expect(lines[2].hasPrefix(#"{"error":{"class":"CommandNotFound""#))
        // A script whose TARGET came out empty learns that these were the simulator's answers.
        #expect(output.stderr.contains("connected to the built-in simulated QEMU"), "\(output.stderr)")
    }

    @Test func prettyOutput() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-p", "-c", "query-status"])
        #expect(output.stdout.contains("{\n    \"status\": \"running\",\n"))
    }

    @Test func rawJSONAndHMP() async throws {
        let raw = try await BuiltTool.run("qmp-shell", ["-c", #"{"execute": "query-version", "id": "mine"}"#])
        #expect(raw.status == 0)
        #expect(raw.stdout.contains(#""major":7"#))
        let hmp = try await BuiltTool.run("qmp-shell", ["-H", "-c", "info version"])
        #expect(hmp.status == 0)
        #expect(hmp.stdout.contains("7.2.0"))
    }

    @Test func badSyntaxIsOneLineAndExit1() async throws {
        let output = try await BuiltTool.run("qmp-shell", [], input: "key=value\nquery-status x\n{\"broken\n")
        #expect(output.status == 1)
        #expect(output.stdout.contains("error: syntax: a line starts with the command name, not 'key=value'"))
        #expect(output.stdout.contains("error: syntax: expected key=value, got 'x'"))
        #expect(output.stdout.contains("error: syntax: invalid JSON"))
    }

    @Test func unreachableSocketIsOneLineAndExit2() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["/nonexistent/qmp.sock", "-c", "query-status"])
        #expect(output.status == 2)
        #expect(output.stderr == "qmp-shell: connecting to unix:/nonexistent/qmp.sock failed: No such file or directory (errno 2)\n")
        let tcp = try await BuiltTool.run("qmp-shell", ["127.0.0.1:1", "-c", "query-status"])
        #expect(tcp.status == 2)
        #expect(tcp.stderr.contains("127.0.0.1:1"))
    }

    @Test func usageAndHelp() async throws {
        let help = try await BuiltTool.run("qmp-shell", ["--help"])
        #expect(help.status == 0)
        for needle in ["--listen", "--launch", "--events", "--json", "-H", "a.b=1", "transaction(", "exit status", "130", "examples"] {
            #expect(help.stdout.contains(needle), "help mentions \(needle)")
        }
        let bad = try await BuiltTool.run("qmp-shell", ["--frobnicate"])
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("qmp-shell: unknown option '--frobnicate'"))
    }

    @Test func quitEndsTheScript() async throws {
        let output = try await BuiltTool.run("qmp-shell", [], input: "quit\nquery-status\n")
        #expect(output.status == 0)
        #expect(output.stdout.contains("SHUTDOWN"))
        #expect(!output.stdout.contains("running"), "nothing runs after quit")
    }

    @Test func talksToQMPSimulatorOverTCP() async throws {
        let port = LoopbackPort.free()
        let simulator = try BuiltTool.launch("qmp-simulator", ["--tcp", "127.0.0.1:\(port)"])
        defer { simulator.killAndWait() }
        try await waitUntil("qmp-simulator listens on port \(port)") { QEMUInstance.isListening(host: "127.0.0.1", port: port) }
        let output = try await BuiltTool.run("qmp-shell", ["127.0.0.1:\(port)", "--json"], input: "query-version\n")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains(#"{"return":{"qemu":{"micro":0,"minor":2,"major":7}"#))
    }

    @Test func talksToQMPSimulatorOverAUnixSocket() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let simulator = try BuiltTool.launch("qmp-simulator", ["--unix", path])
        defer { simulator.killAndWait() }
        try await waitUntilListening(at: path)
        let output = try await BuiltTool.run("qmp-shell", [path], input: "stop\nquery-status\n")
        #expect(output.status == 0)
        #expect(output.stdout.contains("connected to unix:\(path)"))
        #expect(output.stdout.contains("] STOP"))
        #expect(output.stdout.contains(#""status":"paused""#))
    }

    @Test func commandsRunInOrderAndStdinIsNotRead() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-c", "stop", "-c", "query-status"], input: "cont\n")
        #expect(output.status == 0)
        #expect(output.stdout.contains(#""status":"paused""#), "-c stop ran before -c query-status")
        #expect(!output.stdout.contains("RESUME"), "stdin is ignored with -c")
    }

    @Test func eventsOptionForms() async throws {
        let attached = try await BuiltTool.run("qmp-shell", ["--events=RESUME", "-c", "stop", "-c", "cont"])
        #expect(attached.status == 0)
        #expect(attached.stdout.contains("] RESUME") && !attached.stdout.contains("] STOP"))
        let none = try await BuiltTool.run("qmp-shell", ["--events", "", "-c", "stop"])
        #expect(none.status == 0)
        #expect(!none.stdout.contains("STOP"))
    }

    @Test(arguments: [
        (["-c"], "qmp-shell: -c needs a COMMAND"),
        (["--events"], "qmp-shell: --events needs NAME,NAME,..."),
        (["--json=yes"], "qmp-shell: --json takes no value"),
        (["a.sock", "b.sock"], "qmp-shell: give at most one TARGET, got a.sock b.sock"),
        (["--listen"], "qmp-shell: --listen needs a PATH or HOST:PORT to listen on"),
        (["--launch", "x.sock"], "qmp-shell: --launch takes no TARGET and no --listen"),
        (["[::1]:notaport"], "qmp-shell: connecting to unix:[::1]:notaport failed"),
        (["--log=", "-c", "query-status"], "qmp-shell: --log needs a FILE, not an empty name"),
        // Before any connection: the session must not run only to lose its log at the end.
        (["-l", "/nonexistent-dir/x.log", "-c", "query-status"], "qmp-shell: cannot write transcript /nonexistent-dir/x.log: No such file or directory\n"),
        (["-pX"], "qmp-shell: unknown option '-X' in '-pX'"),
        (["-cp", "x"], "qmp-shell: unknown option '-c' in '-cp'"),
    ])
    func usageErrorsExit2(arguments: [String], message: String) async throws {
        let output = try await BuiltTool.run("qmp-shell", arguments)
        #expect(output.status == 2)
        #expect(output.stderr.hasPrefix(message), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    @Test("-l FILE made for a connection that fails is removed; one that was there stays")
    func logOfAFailedConnection() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fresh = directory + "/fresh.log", kept = directory + "/kept.log"
        #expect(FileManager.default.createFile(atPath: kept, contents: Data("old".utf8)))
        for log in [fresh, kept] {
            let output = try await BuiltTool.run("qmp-shell", ["-l", log, "-c", "query-status", directory + "/missing.sock"])
            #expect(output.status == 2)
        }
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(FileManager.default.contents(atPath: kept) == Data("old".utf8))
    }

    @Test("short flags group, as Python's shell takes them: -pvc CMD is -p -v -c CMD")
    func groupedShortFlags() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-pvc", "query-status"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("{\n    \"status\": \"running\",\n"), "pretty")
        #expect(output.stderr.contains(#"-> {"execute":"query-status""#), "traced: \(output.stderr)")
    }

    @Test("-v shows the first 4 KB of a long reply, and what was sent whole")
    func verboseTraceCutsLongReplies() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-v", "-c", "query-qmp-schema"])
        #expect(output.status == 0)
        let received = output.stderr.split(separator: "\n").filter { $0.hasPrefix("<- ") }
        let long = try #require(received.first { $0.contains("bytes in all)") }, "\(output.stderr.prefix(500))")
        #expect(long.utf8.count < 4200)
        #expect(output.stdout.utf8.count > 100_000, "the reply itself prints whole")
        #expect(output.stderr.contains(#"-> {"execute":"query-qmp-schema""#))
    }

    @Test func doubleDashEndsOptions() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-c", "query-status", "--", "-not-an-option.sock"])
        #expect(output.status == 2)
        #expect(output.stderr.hasPrefix("qmp-shell: connecting to unix:-not-an-option.sock failed"), "\(output.stderr)")
    }

    @Test func hmpMode() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["-H"], input: "stop\ninfo status\n{\"execute\": \"query-status\"}\n")
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").dropFirst(2).map(String.init)
        #expect(lines.count == 3, "stop prints nothing itself: \(lines)")
        #expect(lines.first?.hasSuffix("] STOP") == true)
        #expect(lines.dropFirst().first == "VM status: paused", "HMP's \\r\\n becomes \\n")
        #expect(lines.last?.contains(#""status":"paused""#) == true, "raw JSON is still QMP in HMP mode")
    }
}
