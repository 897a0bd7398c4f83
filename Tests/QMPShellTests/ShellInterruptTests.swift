import Foundation
import QMPCore
import QMPTestSupport
import QMPTransportUnix
import Synchronization
import Testing

/// Ctrl-C on a terminal while a command waits for QEMU, and in an open transaction.
@Suite("qmp-shell on a terminal: Ctrl-C", .serialized, .timeLimit(.minutes(1)))
struct ShellInterruptTests {
    @Test("Ctrl-C gives up a command QEMU does not answer, and the shell goes on", .enabled(if: ScriptShell.isAvailable))
    func controlCGivesUpAHungCommand() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/hung.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        let shell = try ScriptShell([path])
        let peer = SocketPeer(try await listener.accept())
        try await peer.send(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#)
        // qmp_capabilities, then what completion asks for, answered until the first prompt.
        let answering = Task {
            while let command = try await peer.next() {
                let name = command["execute"]?.stringValue
                try await peer.reply(to: command, name == "qmp_capabilities" ? #"{"return": {}}"# : #"{"error": {"class": "GenericError", "desc": "not here"}}"#)
            }
        }
        try await shell.waitForPrompt(number: 1)
        answering.cancel()
        _ = await answering.result

        shell.type("query-status\n")
        let hung = try #require(try await peer.next())
        #expect(hung["execute"] == "query-status")
        // The command is on the wire: the shell waits for its reply, not for keys.
        shell.type("\u{03}")
        try await shell.waitForPrompt(number: 2)
        #expect(shell.visibleScreen.contains("error: gave up waiting for 'query-status' (Ctrl-C); QEMU may still carry it out\r\n(QEMU) "), "\(shell.screen.debugDescription)")

        shell.type("query-name\n")
        let next = try #require(try await peer.next())
        #expect(next["execute"] == "query-name")
        try await peer.reply(to: next, #"{"return": {"name": "vm1"}}"#)
        try await shell.waitFor(#""name":"vm1""#)
        try await shell.waitForPrompt(number: 3)
        shell.type("\u{04}")
        let status = await shell.finish()
        #expect(status == 1, "the given-up command fails the session; Ctrl-C did not end it (130)")
        await peer.close()
        await listener.close()
    }

    @Test("Ctrl-C on an empty line of an open transaction drops it unsent", .enabled(if: ScriptShell.isAvailable))
    func controlCAbandonsATransaction() async throws {
        let shell = try ScriptShell([])
        try await shell.waitForPrompt(number: 1)
        shell.type("transaction(\n")
        try await shell.waitForPrompt(number: 2)
        shell.type("abort\n")
        try await shell.waitForPrompt(number: 3)
        shell.type("\u{03}")
        try await shell.waitFor("transaction abandoned; its 1 action(s) were not sent")
        try await shell.waitForPrompt(number: 4)
        #expect(ShellSimulatorTerminalTests.visible(shell.screen).hasSuffix("(QEMU) "), "\(shell.screen.debugDescription)")
        shell.type("\u{04}")
        #expect(await shell.finish() == 0, "nothing failed: the abort action was never sent")
    }
}

@Suite("qmp-shell: the wrong kind of peer", .timeLimit(.minutes(1)))
struct ShellWrongPeerTests {
    @Test("-N against a QMP monitor fails at once and says to drop -N")
    func agentModeAgainstQMP() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/qmp.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        let greeter = Task {
            let peer = SocketPeer(try await listener.accept())
            try await peer.send(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#)
            while try await peer.next() != nil {}
        }
        let output = try await BuiltTool.run("qmp-shell", ["-N", "-c", "guest-ping", path], timeout: .seconds(20))
        #expect(output.status == 2)
        #expect(output.stderr == "qmp-shell: TARGET is a QEMU monitor (it greeted with QMP), not a guest agent: drop -N\n", "\(output.stderr)")
        greeter.cancel()
        _ = await greeter.result
        await listener.close()
    }
}

/// The QEMU end of one shell connection over a real socket, message by message.
final class SocketPeer: Sendable {
    private let transport: UnixSocketTransport
    private let framer = Lock(MessageFramer())

    init(_ transport: UnixSocketTransport) {
        self.transport = transport
    }

    func send(_ text: String) async throws {
        try await transport.send(Array((text + "\r\n").utf8))
    }

    /// The next message the shell sent; `nil` once it closed the connection.
    func next() async throws -> Message? {
        while true {
            if let frame = try framer.withLock({ framer throws(QMPError) in try framer.nextFrame() }) {
                return try Message(parsing: frame)
            }
            guard let chunk = try await transport.receive() else { return nil }
            framer.withLock { $0.append(chunk) }
        }
    }

    /// Sends `body` with the id of `command`.
    func reply(to command: Message, _ body: String) async throws {
        var reply = try Message(parsing: Array(body.utf8))
        if let id = command.id { reply["id"] = id }
        try await send(reply.description)
    }

    func close() async {
        await transport.close()
    }
}
