import Foundation
import QMP
import QMPMock
import QMPTestSupport
import Testing

@Suite("Simulated guest agent")
struct SimulatedGuestAgentTests {
    private func connected(_ agent: SimulatedGuestAgent = SimulatedGuestAgent()) async throws -> (QMPClient, GuestAgentConnection) {
        let client = QMPClient()
        let info = try await client.connectToGuestAgent(agent.makeClientTransport(), timeout: .seconds(30))
        return (client, info)
    }

    @Test func handshakeAndInfo() async throws {
        let (client, info) = try await connected()
        #expect(info.version == "7.2.0")
        #expect(info.echoesIDs)
        #expect(info.noReplyCommands == ["guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid"])
        #expect(try await client.execute("guest-ping") == [:])
        #expect(try await client.execute("guest-get-host-name")["host-name"] == "simulated-guest")
        await client.disconnect()
    }

    @Test func shutdownAndSuspendReturnWhenSentAndTouchNothing() async throws {
        let agent = SimulatedGuestAgent()
        let (client, _) = try await connected(agent)
        #expect(try await client.execute("guest-shutdown", arguments: ["mode": "halt"], timeout: .seconds(30)) == [:])
        #expect(try await client.execute("guest-suspend-ram", timeout: .seconds(30)) == [:])
        // The agent handles commands in order: once the ping is answered, both were seen.
        try await client.execute("guest-ping")
        #expect(agent.powerRequests == ["guest-shutdown:halt", "guest-suspend-ram"])
        #expect(client.unexpectedMessageCount == 0)
        await client.disconnect()
    }

    /// A shutdown that fails answers after all; the command after it still gets its own
    /// reply, with an agent that echoes ids and with one that does not.
    @Test(arguments: [true, false])
    func aFailedShutdownsErrorReachesNobody(echoingIDs: Bool) async throws {
        let agent = SimulatedGuestAgent(echoesIDs: echoingIDs)
        let (client, info) = try await connected(agent)
        #expect(info.echoesIDs == echoingIDs)
        #expect(try await client.execute("guest-shutdown", arguments: ["mode": "sideways"]) == [:])
        #expect(try await client.execute("guest-get-host-name")["host-name"] == "simulated-guest")
        #expect(client.unexpectedMessageCount == 1)
        #expect(agent.powerRequests.isEmpty)
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func execEchoAndCat() async throws {
        let (client, _) = try await connected()
        let echo = try await client.execute("guest-exec", arguments: ["path": "/bin/echo", "arg": ["a", "b"], "capture-output": true])
        let echoed = try await client.execute("guest-exec-status", arguments: ["pid": try #require(echo["pid"])])
        #expect(echoed["exited"] == true)
        #expect(echoed["exitcode"] == 0)
        #expect(echoed["out-data"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data("a b\n".utf8))
        let input = Data([0, 1, 2, 250, 255]).base64EncodedString()
        let cat = try await client.execute("guest-exec", arguments: ["path": "/bin/cat", "input-data": .string(input), "capture-output": true])
        let catted = try await client.execute("guest-exec-status", arguments: ["pid": try #require(cat["pid"])])
        #expect(catted["out-data"]?.stringValue == input)
        let refused = await expectError { try await client.execute("guest-exec", arguments: ["path": "/sbin/reboot"]) }
        #expect(refused?.errorClass == "GenericError")
        await client.disconnect()
    }

    @Test func fileWrittenAndReadBack() async throws {
        let agent = SimulatedGuestAgent()
        let (client, _) = try await connected(agent)
        let handle = try await client.execute("guest-file-open", arguments: ["path": "/tmp/x", "mode": "w+"])
        let text = "hello, file"
        let written = try await client.execute("guest-file-write", arguments: ["handle": handle, "buf-b64": .string(Data(text.utf8).base64EncodedString())])
        #expect(written["count"] == .int(Int64(text.utf8.count)))
        _ = try await client.execute("guest-file-seek", arguments: ["handle": handle, "offset": 7, "whence": "set"])
        let read = try await client.execute("guest-file-read", arguments: ["handle": handle, "count": 100])
        #expect(read["buf-b64"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data("file".utf8))
        #expect(read["eof"] == true)
        try await client.execute("guest-file-close", arguments: ["handle": handle])
        #expect(agent.contents(ofFile: "/tmp/x") == Array(text.utf8))
        let closed = await expectError { try await client.execute("guest-file-read", arguments: ["handle": handle]) }
        #expect(closed?.errorClass == "GenericError")
        await client.disconnect()
    }

    /// Without a real agent to compare with (see SimulatedGuestAgentFidelityTests): the
    /// simulator's own argument checks hold, `whence` above all, which only they spell-check.
    @Test func argumentsAreCheckedBeforeAnythingRuns() async throws {
        let (client, _) = try await connected()
        let handle = try await client.execute("guest-file-open", arguments: ["path": "/tmp/w", "mode": "w"])
        for (arguments, description) in [
            (["handle": handle, "offset": 0, "whence": "bogus"] as JSONObject, "Parameter 'whence' does not accept value 'bogus'"),
            (["handle": handle, "offset": 0], "Parameter 'whence' is missing"),
            (["handle": handle, "offset": 0, "whence": 7], "invalid whence code 7"),
            (["handle": handle, "offset": "0", "whence": "set"], "Invalid parameter type for 'offset', expected: integer"),
        ] {
            let refused = await expectError { try await client.execute("guest-file-seek", arguments: arguments) }
            #expect(refused?.errorDescription == description)
        }
        await client.disconnect()
    }

    /// As qemu-ga 7.2 does (it reports `feof` after `fread`): a read that ends exactly at the
    /// end of the file is not at its end yet; the next one, returning nothing, is. A negative
    /// count is refused.
    @Test func readToTheEndReportsEOFOnlyWhenAReadFallsShort() async throws {
        let agent = SimulatedGuestAgent()
        agent.setContents(Array(repeating: 0, count: 10), ofFile: "/tmp/f")
        let (client, _) = try await connected(agent)
        let handle = try await client.execute("guest-file-open", arguments: ["path": "/tmp/f"])
        let whole = try await client.execute("guest-file-read", arguments: ["handle": handle, "count": 10])
        #expect(whole["count"] == 10)
        #expect(whole["eof"] == false)
        let after = try await client.execute("guest-file-read", arguments: ["handle": handle, "count": 10])
        #expect(after["count"] == 0)
        #expect(after["eof"] == true)
        let negative = await expectError { try await client.execute("guest-file-read", arguments: ["handle": handle, "count": -1]) }
        #expect(negative?.errorDescription == "value '-1' is invalid for argument count")
        await client.disconnect()
    }

    @Test func agentWithoutIDs() async throws {
        let (client, info) = try await connected(SimulatedGuestAgent(echoesIDs: false))
        #expect(!info.echoesIDs)
        async let one = client.execute("guest-ping")
        async let two = client.execute("guest-get-host-name")
        #expect(try await one == [:])
        #expect(try await two["host-name"] == "simulated-guest")
        await client.disconnect()
    }

    @Test func parserResetByteAnswersWithAnError() async throws {
        let (transport, server) = InProcessTransport.makePair()
        Task { await SimulatedGuestAgent().serve(server) }
        // Half a command, then the reset: the half is dropped, and the byte gets an error.
        try await transport.send(Array(#"{"execute":"guest-pi"#.utf8) + [0xFF] + Array(#"{"execute":"guest-ping","id":"p"}"#.utf8))
        var received: [UInt8] = []
        while received.filter({ $0 == 0x0A }).count < 2, let chunk = try await transport.receive() { received += chunk }
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\n")
        #expect(lines.first?.contains(#""class": "GenericError""#) == true)
        #expect(lines.last == #"{"return": {}, "id": "p"}"#)
        await transport.close()
    }

    /// A message past the frame limit gets an error; what follows it is ignored, a complete
    /// command included, until the client resynchronises with 0xFF.
    @Test func overSizeMessageAnswersAnErrorAndTheSessionResynchronises() async throws {
        let (transport, server) = InProcessTransport.makePair()
        Task { await SimulatedGuestAgent().serve(server) }
        let filler = String(repeating: "a", count: MessageFramer.defaultMaxMessageSize)
        try await transport.send(Array(#"{"execute":"guest-ping","arguments":{"x":"\#(filler)"}}"#.utf8))
        try await transport.send(Array(#"{"execute":"guest-ping","id":"ignored"}"#.utf8))
        try await transport.send([0xFF] + Array(#"{"execute":"guest-ping","id":"p"}"#.utf8))
        var received: [UInt8] = []
        while received.filter({ $0 == 0x0A }).count < 3, let chunk = try await transport.receive() { received += chunk }
        let lines = String(decoding: received, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains("exceeded the limit") == true)
        #expect(lines.dropFirst().first?.contains("stray byte 0xFF") == true)
        #expect(lines.last == #"{"return": {}, "id": "p"}"#)
        await transport.close()
    }

    private func expectError(_ body: () async throws -> Void) async -> QMPError? {
        do {
            try await body()
            Issue.record("expected an error reply")
            return nil
        } catch {
            return error as? QMPError
        }
    }
}
