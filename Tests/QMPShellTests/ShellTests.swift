import Foundation
import QMP
import QMPTestSupport
import QMPTransportUnix
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
        blockdev-add driver=null-co node-name=src
        blockdev-add driver=null-co node-name=dst size=1048576
        blockdev-backup job-id=job0 device=src target=dst sync=full
        """
        let output = try await BuiltTool.run("qmp-shell", ["--events", "STOP,RESUME,BLOCK_JOB_COMPLETED"], input: script)
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").dropFirst(2).map(String.init)
        #expect(lines.count == 9)
        #expect(lines[0].hasSuffix("] STOP"))
        #expect(lines[1] == "{}")
        #expect(lines[2].contains(#""status":"paused""#))
        #expect(lines[3].hasSuffix("] RESUME"))
        #expect(lines[7].contains(#"BLOCK_JOB_COMPLETED {"device":"job0""#))
        #expect(!output.stdout.contains("JOB_STATUS_CHANGE"), "--events filters")
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
        for needle in ["--listen", "--launch", "--events", "--json", "-H", "a.b=1", "exit status", "examples"] {
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
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: try BuiltTool.path("qmp-simulator"))
        simulator.arguments = ["--tcp", "127.0.0.1:\(port)"]
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        defer { kill(simulator.processIdentifier, SIGKILL) }
        try await Task.sleep(for: .milliseconds(500))
        let output = try await BuiltTool.run("qmp-shell", ["127.0.0.1:\(port)", "--json"], input: "query-version\n")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains(#"{"return":{"qemu":{"micro":0,"minor":2,"major":7}"#))
    }

    @Test func talksToQMPSimulatorOverAUnixSocket() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let simulator = Process()
        simulator.executableURL = URL(fileURLWithPath: try BuiltTool.path("qmp-simulator"))
        simulator.arguments = ["--unix", path]
        simulator.standardError = FileHandle.nullDevice
        try simulator.run()
        defer { kill(simulator.processIdentifier, SIGKILL) }
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(10)) }
        let output = try await BuiltTool.run("qmp-shell", [path], input: "stop\nquery-status\n")
        #expect(output.status == 0)
        #expect(output.stdout.contains("connected to unix:\(path)"))
        #expect(output.stdout.contains("] STOP"))
        #expect(output.stdout.contains(#""status":"paused""#))
    }
}

@Suite("qmp-shell against real QEMU", .serialized, .requiresQEMU, .timeLimit(.minutes(3)))
struct ShellQEMUTests {
    @Test func launchesAThrowawayQEMU() async throws {
        guard QEMUInstance.executablePath != nil else { throw QEMUUnavailable(message: "qemu-system-x86_64 is not installed") }
        let output = try await BuiltTool.run("qmp-shell", ["--launch"], input: "query-status\nstop\nno-such-command\n")
        #expect(output.status == 1, "the unknown command fails the script")
        #expect(output.stdout.contains("launched qemu-system-x86_64"))
        #expect(output.stdout.contains(#""status":"running""#))
        #expect(output.stdout.contains("] STOP"))
        #expect(output.stdout.contains("error: CommandNotFound: The command no-such-command has not been found"))
    }

    @Test func talksToAQEMUSocketIncludingHMP() async throws {
        try await QEMUInstance.with { qemu in
            let output = try await BuiltTool.run("qmp-shell", ["-H", qemu.socketPath], input: "info version\n")
            #expect(output.status == 0)
            #expect(output.stdout.contains("7.2"))
        }
    }

    @Test func listensForQEMU() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/listen.sock"
        let shell = Task { try await BuiltTool.run("qmp-shell", ["--listen", path, "-c", "query-status"]) }
        // Our listeners move the socket file into place only once they listen.
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(10)) }
        try await QEMUInstance.with(mode: .unixClient(path: path)) { _ in
            let output = try await shell.value
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains(#""status":"running""#))
        }
    }
}

@Suite("qmp-shell on a terminal", .serialized, .requiresQEMU, .timeLimit(.minutes(2)))
struct ShellTerminalTests {
    /// Runs the shell on a pseudo-terminal (util-linux `script`) so it is interactive, against a
    /// QEMU with two monitors: the test stops the VM through the second while the shell idles.
    @Test func eventsArrivingAtThePromptRedrawIt() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let second = directory + "/second.sock"
        try await QEMUInstance.with(extraArguments: ["-qmp", "unix:\(second),server=on,wait=off"]) { qemu in
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            shell.arguments = ["-q", "-c", "\(try BuiltTool.path("qmp-shell")) \(qemu.socketPath)", "/dev/null"]
            let input = Pipe()
            let output = Pipe()
            shell.standardInput = input
            shell.standardOutput = output
            try shell.run()
            try await Task.sleep(for: .milliseconds(700))
            let other = QMPClient()
            try await other.connect(try await UnixSocketTransport.connect(path: second))
            try await other.execute("stop")
            await other.disconnect()
            try await Task.sleep(for: .milliseconds(300))
            input.fileHandleForWriting.write(Data("query-status\n".utf8))
            try await Task.sleep(for: .milliseconds(500))
            try input.fileHandleForWriting.close()
            kill(shell.processIdentifier, SIGTERM)
            let text = await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(returning: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
                }
            }
            #expect(text.contains("(QEMU) \r\u{1B}[K["), "the prompt line is cleared before the event")
            #expect(text.contains("] STOP\r\n(QEMU) "), "and drawn again after it")
            #expect(text.contains(#""status":"paused""#))
        }
    }
}
