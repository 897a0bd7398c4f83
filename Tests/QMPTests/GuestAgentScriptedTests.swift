import Foundation
@_spi(Testing) import QMP
import QMPTestSupport
import QMPTransportUnix
import QMPCore
import Synchronization
import Testing

/// The guest agent protocol against peers scripted by hand: what a real agent cannot be
/// made to do (stay silent, send garbage, forget ids).
@Suite("Guest agent protocol, scripted", .timeLimit(.minutes(1)))
struct GuestAgentScriptedTests {
    @Test func silentAgentTimesOut() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        let start = ContinuousClock.now
        let error = await expectQMPError(.timedOut) {
            try await client.connectToGuestAgent(peer.transport, timeout: .milliseconds(200))
        }
        #expect(error?.message.contains("guest agent") == true)
        // A bound against a hang, not a speed check: under ThreadSanitizer on two loaded
        // cores the 200 ms timeout has taken over 10 s to be noticed.
        #expect(ContinuousClock.now - start < .seconds(30))
        #expect(client.runState == .idle)
        // What it sent first: the parser reset, then the handshake.
        let sync = try await peer.nextAgentCommand()
        #expect(sync?["execute"] == "guest-sync-delimited")
        #expect(sync?["arguments"]?["id"]?.intValue != nil)
    }

    @Test("a QMP monitor taken for a guest agent fails at once, not at the timeout")
    func qmpMonitorIsNoGuestAgent() async throws {
        let peer = ScriptedPeer()
        peer.sendGreeting()
        let client = QMPClient()
        let error = await expectQMPError(.connectionFailed) {
            // No timeout: only the greeting can end this wait.
            try await client.connectToGuestAgent(peer.transport, timeout: nil)
        }
        #expect(error?.message.contains("QEMU monitor, not a guest agent") == true, "\(String(describing: error))")
        #expect(client.runState == .idle)
    }

    @Test("stale agent output before the first 0xFF that is no greeting is passed over")
    func staleOutputIsNoGreeting() async throws {
        let peer = ScriptedPeer()
        peer.sendRaw(#"{"return": {}}"# + "\n" + #"{"QMP": "too late to count"}"#)
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(20))
        try await peer.answerHandshake(echoingIDs: false)
        let next = try #require(try await peer.nextAgentCommand())
        #expect(next["execute"] == "guest-info")
        peer.reply(to: next, #"{"return": {"version": "7.2.0", "supported_commands": []}}"#)
        _ = try await connected
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func silentAgentOnASocketTimesOutAndClosesIt() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try await UnixSocketListener.listen(path: directory + "/silent.sock")
        let accepted = Task { try await listener.accept() }
        let client = QMPClient()
        await expectQMPError(.timedOut) {
            try await client.connectToGuestAgent(try await UnixSocketTransport.connect(path: directory + "/silent.sock"), timeout: .milliseconds(200))
        }
        // The client closed its end: the silent side reads the handshake, then end of stream.
        let server = try await accepted.value
        var received: [UInt8] = []
        while let chunk = try await server.receive() { received += chunk }
        #expect(received.first == 0xFF)
        await server.close()
        await listener.close()
    }

    @Test func handshakeSkipsWrongNumbersAndTheResetError() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(30))
        let sync = try #require(try await peer.nextAgentCommand())
        let token = try #require(sync["arguments"]?["id"]?.intValue)
        // Stale output, the error the 0xFF causes, an earlier handshake's answer, then ours.
        peer.sendRaw("{\"return\": {}, \"id\": \"old\"}\n{\"error\": {\"class\": \"GenericError\", \"desc\": \"parse\"}}\n")
        peer.transportInject([0xFF] + Array("{\"return\": \(token &+ 1)}\n".utf8))
        peer.transportInject([0xFF] + Array("{\"return\": \(token), \"id\": \"sync\"}\n".utf8))
        try await peer.answerGuestInfo(echoingIDs: true)
        let info = try await connected
        #expect(info.echoesIDs)
        #expect(info.noReplyCommands == ["guest-shutdown"])
        #expect(client.unexpectedMessageCount == 0)
    }

    @Test func cancelledHandshakeIsCancelled() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        let connecting = Task { () async -> Result<GuestAgentConnection, QMPError> in
            do throws(QMPError) { return .success(try await client.connectToGuestAgent(peer.transport, timeout: nil)) } catch { return .failure(error) }
        }
        _ = try await peer.nextAgentCommand()
        connecting.cancel()
        #expect(await connecting.value.failureCode == .cancelled)
        for await state in client.runStates() where state == .idle { break }
    }

    @Test func answerCutShortByARestartedAgentIsSkipped() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(30))
        let sync = try #require(try await peer.nextAgentCommand())
        let token = try #require(sync["arguments"]?["id"]?.intValue)
        // An earlier agent died half-way through an answer: the string never closes.
        peer.transportInject([0xFF] + Array(#"{"return": {"text": "cut sho"#.utf8))
        peer.transportInject([0xFF] + Array("{\"return\": \(token), \"id\": \"sync\"}\n".utf8))
        try await peer.answerGuestInfo(echoingIDs: true)
        #expect(try await connected.echoesIDs)
    }

    @Test func answerRightAfterALoneDelimiterIsRead() async throws {
        // Found by Fuzz/FuzzGuestAgentHandshake: an earlier agent died right after its 0xFF,
        // so ours follows it directly; it was framed as a malformed token and the answer
        // after it dropped as stale, leaving the handshake waiting for nothing.
        let peer = ScriptedPeer()
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(5))
        let sync = try #require(try await peer.nextAgentCommand())
        let token = try #require(sync["arguments"]?["id"]?.intValue)
        peer.transportInject([0xFF, 0xFF] + Array("{\"return\": \(token), \"id\": \"sync\"}\n".utf8))
        try await peer.answerGuestInfo(echoingIDs: true)
        #expect(try await connected.echoesIDs)
    }

    @Test func answerRightAfterGarbageAndADelimiterIsRead() async throws {
        // The same, with bytes of no message before our 0xFF (a restarted agent's noise).
        let peer = ScriptedPeer()
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(5))
        let sync = try #require(try await peer.nextAgentCommand())
        let token = try #require(sync["arguments"]?["id"]?.intValue)
        peer.transportInject([0xFF] + Array("noise".utf8) + [0xFF] + Array("{\"return\": \(token)}\n".utf8))
        try await peer.answerGuestInfo(echoingIDs: false)
        #expect(try await connected.echoesIDs == false)
    }

    @Test func garbageFromTheAgentIsATypedError() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: true)
        let ping = Task { () async -> Result<JSONValue, QMPError> in
            do throws(QMPError) { return .success(try await client.execute("guest-ping")) } catch { return .failure(error) }
        }
        _ = try await peer.nextAgentCommand()
        peer.sendRaw("this is not json\n")
        #expect(await ping.value.failureCode == .malformedMessage)
        #expect(client.lastError?.code == .malformedMessage)
    }

    /// Found in review: an agent that echoed the handshake's id, then answered without
    /// ids, had its replies dropped as nobody's while the commands waited forever.
    @Test func idlessRepliesFromAnAgentThatEchoedTheHandshakeIDFailClearly() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        let connecting = Task { () async -> Result<GuestAgentConnection, QMPError> in
            do throws(QMPError) { return .success(try await client.connectToGuestAgent(peer.transport, timeout: nil)) } catch { return .failure(error) }
        }
        try await peer.answerHandshake(echoingIDs: true)
        _ = try #require(try await peer.nextAgentCommand())
        peer.send(#"{"return": {"version": "7.2.0", "supported_commands": []}}"#)
        let error = await expectQMPError(.unexpectedReply) { _ = try await connecting.value.get() }
        #expect(error?.message.contains("answered without an id") == true)
        #expect(client.runState == .idle)
    }

    @Test func agentWithoutIDsGetsOneCommandAtATime() async throws {
        let wire = Lock<[String]>([])
        var configuration = QMPClient.Configuration()
        configuration.trace = { record in wire.withLock { $0.append("\(record.direction) \(record.text)") } }
        let (client, peer) = try await connectedAgent(echoingIDs: false, configuration: configuration)
        wire.withLock { $0.removeAll() }
        async let first: JSONValue = client.execute("guest-get-host-name")
        let one = try #require(try await peer.nextAgentCommand())
        #expect(one.id == nil)
        #expect(one["execute"] == "guest-get-host-name")
        // Issued while the first is in flight: it must wait for the first one's reply.
        async let second: JSONValue = client.execute("guest-get-timezone")
        // Its wait is observable; a client that sent it at once fails the order check below.
        try await waitUntil("the second command waits for the first one's reply, or is sent") {
            client.commandsWaitingTheirTurn == 1 || wire.withLock { $0.contains { $0.contains("guest-get-timezone") } }
        }
        peer.send(#"{"return": {"answer": 1}}"#)
        let two = try #require(try await peer.nextAgentCommand())
        #expect(two.id == nil)
        #expect(two["execute"] == "guest-get-timezone")
        peer.send(#"{"return": {"answer": 2}}"#)
        #expect(try await first["answer"] == 1)
        #expect(try await second["answer"] == 2)
        let order = wire.withLock { $0 }
        let answered = try #require(order.firstIndex { $0.contains(#""answer": 1"#) })
        let sentSecond = try #require(order.firstIndex { $0.contains("guest-get-timezone") })
        #expect(answered < sentSecond, "\(order)")
        await client.disconnect()
    }

    @Test func timeoutWithoutIDsEndsTheSession() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: false)
        await expectQMPError(.timedOut) { try await client.execute("guest-ping", timeout: .milliseconds(50)) }
        for await state in client.runStates() where state == .idle { break }
        #expect(client.lastError?.message.contains("does not echo ids") == true)
        _ = peer
    }

    @Test func noReplyCommandReturnsWhenSent() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: true)
        let reply = try await client.execute("guest-shutdown", timeout: .seconds(30))
        #expect(reply == [:])
        let sent = try #require(try await peer.nextAgentCommand())
        #expect(sent["execute"] == "guest-shutdown")
        // A late error (say the command was blocked after all) is nobody's reply.
        peer.reply(to: sent, #"{"error": {"class": "CommandNotFound", "desc": "disabled"}}"#)
        async let ping: JSONValue = client.execute("guest-ping")
        let next = try #require(try await peer.nextAgentCommand())
        peer.reply(to: next, #"{"return": {}}"#)
        #expect(try await ping == [:])
        #expect(client.unexpectedMessageCount == 1)
    }
}
