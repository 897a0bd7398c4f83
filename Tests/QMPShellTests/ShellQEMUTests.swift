import Foundation
import QMPTestSupport
import Testing

@Suite("qmp-shell against real QEMU", .serialized, .requiresQEMU, .timeLimit(.minutes(4)))
struct ShellQEMUTests {
    @Test func launchesAThrowawayQEMU() async throws {
        guard QEMUInstance.executablePath != nil else { throw QEMUUnavailable(message: "qemu-system-x86_64 is not installed") }
        // qmp-shell waits up to 120 s for a QEMU it launched.
        let output = try await BuiltTool.run(
            "qmp-shell", ["--launch"], input: "query-status\nstop\nno-such-command\n", timeout: .seconds(150)
        )
        #expect(output.status == 1, "the unknown command fails the script: \(output.stderr)")
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
        try await waitUntilListening(at: path)
        try await QEMUInstance.with(mode: .unixClient(path: path)) { _ in
            let output = try await shell.value
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains(#""status":"running""#))
        }
    }

    @Test func transactionsAndQuitAgainstQEMU() async throws {
        let script = """
        transaction(
        )
        transaction( abort )
        query-status
        quit
        """
        let output = try await BuiltTool.run("qmp-shell", ["--launch", "--json"], input: script, timeout: .seconds(150))
        #expect(output.status == 1, "the aborted transaction fails the script")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(lines)")
        #expect(lines.first == #"{"return":{}}"#, "an empty transaction succeeds")
        #expect(lines.dropFirst().first?.contains("Transaction aborted using Abort action") == true)
        #expect(lines.dropFirst(2).first?.contains(#""status":"running""#) == true)
        #expect(lines.dropFirst(3).first?.contains(#""event":"SHUTDOWN""#) == true)
        #expect(output.stderr.isEmpty, "quit closes the connection without a 'connection lost': \(output.stderr)")
    }

    @Test func listensOnTCPForQEMU() async throws {
        let shell = try RunningShell(["--listen", "127.0.0.1:0", "--json"])
        let waiting = "qmp-shell: waiting for QEMU to connect to tcp:"
        try await shell.waitForOutput(waiting, onStandardError: true)
        try await shell.waitForOutput("\n", onStandardError: true)
        let address = try #require(shell.errors.split(separator: "\n").first?.dropFirst(waiting.count))
        #expect(address.hasPrefix("127.0.0.1:") && !address.hasSuffix(":0"), "the port the kernel chose")
        // QEMU's own monitor stays on its Unix socket; a second one connects to the shell.
        try await QEMUInstance.with(extraArguments: ["-qmp", "tcp:\(address)"]) { _ in
            shell.send("query-status")
            try await shell.waitForOutput(#"{"return":{"status":"running""#)
            shell.closeInput()
            #expect(await shell.finish() == 0)
        }
    }
}
