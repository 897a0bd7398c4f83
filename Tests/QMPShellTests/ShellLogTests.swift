import Foundation
import QMPChildProcess
import QMPTestSupport
import Testing

/// `-l FILE`: a shell session saved as a transcript is a fixture that replays to the same replies.
@Suite("qmp-shell --log", .serialized, .timeLimit(.minutes(2)))
struct ShellLogTests {
    private let script = """
    stop
    query-status
    blockdev-add driver=null-co node-name=src
    frob x=1
    cont
    quit
    """

    @Test func aRecordedSessionReplaysToTheSameReplies() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/session.qmp"
        let recorded = try await BuiltTool.run("qmp-shell", ["-l", log], input: script)
        #expect(recorded.status == 1, "frob fails: \(recorded.stderr)")
        let transcript = try String(contentsOfFile: log, encoding: .utf8)
        #expect(transcript.hasPrefix("# swift-qmp transcript 1\n<- "), "the greeting first")
        #expect(transcript.contains(#""event": "STOP""#))
        #expect(transcript.hasSuffix(" EOF\n"), "QEMU closing the connection after quit, last")

        let socket = directory + "/replay.sock"
        let simulator = try BuiltTool.launch("qmp-simulator", ["--unix", socket, "--replay", log])
        defer { simulator.killAndWait() }
        try await waitUntilListening(at: socket)
        let replayed = try await BuiltTool.run("qmp-shell", [socket], input: script)
        #expect(replayed.status == recorded.status)
        // Everything after the banner line: replies, errors and events (with their recorded timestamps).
        let body = { (text: String) in text.split(separator: "\n").dropFirst().joined(separator: "\n") }
        #expect(body(replayed.stdout) == body(recorded.stdout))
        #expect(body(recorded.stdout).contains(#""status":"paused""#))
        #expect(body(recorded.stdout).contains("CommandNotFound"))
    }

    @Test func aReplayOfADifferentSessionFailsClearly() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/session.qmp"
        _ = try await BuiltTool.run("qmp-shell", ["--log=\(log)"], input: "stop\n")
        let socket = directory + "/replay.sock"
        let simulator = try BuiltTool.launch("qmp-simulator", ["--unix", socket, "--replay", log])
        defer { simulator.killAndWait() }
        try await waitUntilListening(at: socket)
        let replayed = try await BuiltTool.run("qmp-shell", [socket], input: "cont\n")
        #expect(replayed.status != 0, "a line the recording does not have: \(replayed.stdout)")
    }
}
