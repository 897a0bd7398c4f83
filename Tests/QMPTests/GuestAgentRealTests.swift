import Foundation
import QMP
import QMPTestSupport
import QMPTransportUnix
import QMPCore
import Synchronization
import Testing

/// The client against a real `qemu-ga` on the host, started (with every host-changing
/// command blocked) by ``GuestAgentInstance``.
@Suite("Guest agent against a real qemu-ga", .requiresGuestAgent, .serialized, .timeLimit(.minutes(2)))
struct GuestAgentRealTests {
    private func connected(
        _ agent: GuestAgentInstance,
        configuration: QMPClient.Configuration = QMPClient.Configuration()
    ) async throws -> (QMPClient, GuestAgentConnection) {
        let client = QMPClient(configuration: configuration)
        let info = try await client.connectToGuestAgent(try await UnixSocketTransport.connect(path: agent.socketPath))
        return (client, info)
    }

    @Test func blockedCommandsAreDisabledAndAnswer() async throws {
        try await GuestAgentInstance.with { agent in
            let (client, info) = try await connected(agent)
            #expect(info.echoesIDs)
            #expect(info.version?.isEmpty == false)
            let byName = Dictionary(info.commands.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for name in GuestAgentInstance.blockedCommands {
                #expect(byName[name]?.isEnabled == false, "\(name) must be blocked")
            }
            // Sent only once the agent itself says it is disabled.
            try #require(byName["guest-shutdown"]?.isEnabled == false)
            #expect(byName["guest-shutdown"]?.sendsSuccessResponse == false)
            // Blocked, so they answer and are waited for: none is sent blind.
            #expect(info.noReplyCommands.isEmpty)
            let error = await expectQMPError(.commandFailed) { try await client.execute("guest-shutdown") }
            #expect(error?.errorClass == "CommandNotFound")
            #expect(error?.errorDescription?.contains("has been disabled") == true)
            await client.disconnect()
        }
    }

    @Test func handshakeSkipsStaleRepliesAndHalfACommand() async throws {
        try await GuestAgentInstance.with { agent in
            let transport = try await UnixSocketTransport.connect(path: agent.socketPath)
            // An earlier client's leftovers: a command whose reply nobody read, that client's own
            // handshake, and half a command the agent would otherwise join to ours.
            try await transport.send(Array(#"{"execute":"guest-info"}"#.utf8))
            try await transport.send([0xFF] + Array(#"{"execute":"guest-sync-delimited","arguments":{"id":7}}"#.utf8))
            try await transport.send(Array(#"{"execute":"guest-ping","arguments":{"#.utf8))
            let received = Lock<[String]>([])
            var configuration = QMPClient.Configuration()
            configuration.trace = { record in
                if record.direction == .received { received.withLock { $0.append(record.text) } }
            }
            let client = QMPClient(configuration: configuration)
            try await client.connectToGuestAgent(transport)
            try await client.execute("guest-ping")
            let texts = received.withLock { $0 }
            // The stale handshake's answer was read and passed over.
            #expect(texts.contains { $0.contains(#""return": 7"#) }, "\(texts)")
            #expect(texts.filter { $0 == "\\xFF" }.count >= 2, "\(texts)")
            #expect(client.unexpectedMessageCount == 0)
            await client.disconnect()
        }
    }

    @Test func guestSyncDelimitedMidSessionAnswers() async throws {
        try await GuestAgentInstance.with { agent in
            let (client, _) = try await connected(agent)
            #expect(try await client.execute("guest-sync-delimited", arguments: ["id": 4242]) == 4242)
            try await client.execute("guest-ping")
            #expect(client.runState == .running)
            await client.disconnect()
        }
    }

    @Test func execCapturesOutput() async throws {
        try await GuestAgentInstance.with { agent in
            let (client, _) = try await connected(agent)
            let echo = try await run(client, "/bin/echo", arguments: ["hello", "agent"])
            #expect(echo.exitCode == 0)
            #expect(echo.output == "hello agent\n")
            let cat = try await run(client, "/bin/cat", input: "piped through cat")
            #expect(cat.output == "piped through cat")
            await client.disconnect()
        }
    }

    /// Runs one of ``GuestAgentInstance/allowedPrograms`` and polls until it has exited.
    private func run(
        _ client: QMPClient, _ path: String, arguments: [String] = [], input: String? = nil
    ) async throws -> (exitCode: Int64?, output: String?) {
        #expect(GuestAgentInstance.allowedPrograms.contains(path))
        var request: JSONObject = ["path": .string(path), "arg": .array(arguments.map { .string($0) }), "capture-output": true]
        if let input { request["input-data"] = .string(Data(input.utf8).base64EncodedString()) }
        let started = try await client.execute("guest-exec", arguments: request)
        let pid = try #require(started["pid"])
        let status = try await waitForValue("qemu-ga reports that \(path) exited") { () async throws -> JSONValue? in
            let status = try await client.execute("guest-exec-status", arguments: ["pid": pid])
            guard status["exited"]?.boolValue == true else { return nil }
            return status
        }
        let output = status["out-data"]?.stringValue.flatMap { Data(base64Encoded: $0) }
        return (status["exitcode"]?.intValue, output.map { String(decoding: $0, as: UTF8.self) })
    }

    @Test func fileWrittenAndReadBack() async throws {
        try await GuestAgentInstance.with { agent in
            let (client, _) = try await connected(agent)
            let path = agent.filePath("note.txt")
            let text = "written by the guest agent\n"
            let writeHandle = try await client.execute("guest-file-open", arguments: ["path": .string(path), "mode": "w"])
            let written = try await client.execute(
                "guest-file-write", arguments: ["handle": writeHandle, "buf-b64": .string(Data(text.utf8).base64EncodedString())]
            )
            #expect(written["count"]?.intValue == Int64(text.utf8.count))
            try await client.execute("guest-file-close", arguments: ["handle": writeHandle])
            #expect(try String(contentsOfFile: path, encoding: .utf8) == text)

            let readHandle = try await client.execute("guest-file-open", arguments: ["path": .string(path), "mode": "r"])
            let read = try await client.execute("guest-file-read", arguments: ["handle": readHandle, "count": 4096])
            try await client.execute("guest-file-close", arguments: ["handle": readHandle])
            let bytes = try #require(read["buf-b64"]?.stringValue.flatMap { Data(base64Encoded: $0) })
            #expect(String(decoding: bytes, as: UTF8.self) == text)
            #expect(read["eof"]?.boolValue == true)
            await client.disconnect()
        }
    }

    @Test func agentKilledEndsTheSession() async throws {
        let agent = try await GuestAgentInstance.launch()
        defer { agent.terminate() }
        let (client, _) = try await connected(agent)
        agent.terminate()
        for await state in client.runStates() where state == .idle { break }
        #expect(client.lastError?.code == .disconnected)
        await expectQMPError(.invalidState) { try await client.execute("guest-ping") }
    }
}
