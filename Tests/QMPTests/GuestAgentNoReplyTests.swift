import QMP
import QMPCore
import QMPTestSupport
import Testing

/// Commands that do not answer on success (`guest-shutdown`, `guest-suspend-*`) return
/// when sent; when one fails after all, its error reply must not reach anyone else.
/// Found in review: with an agent that echoes no ids, that error ended the session or
/// was handed to the next command, so `guest-ping` failed with "shutdown failed".
@Suite("Guest agent no-reply commands that fail", .timeLimit(.minutes(1)))
struct GuestAgentNoReplyTests {
    static let failure = #"{"error": {"class": "GenericError", "desc": "shutdown failed"}}"#

    /// The agent answers the next command's `guest-sync`, and that command's own reply.
    private func answerResyncAndPing(_ peer: ScriptedPeer, errorFirst: Bool) async throws {
        let sync = try #require(try await peer.nextAgentCommand())
        #expect(sync["execute"] == "guest-sync")
        #expect(sync.id == nil)
        let token = try #require(sync["arguments"]?["id"])
        if errorFirst { peer.send(Self.failure) }
        peer.send(Message(["return": token]).description)
        let ping = try #require(try await peer.nextAgentCommand())
        #expect(ping["execute"] == "guest-ping")
        peer.send(#"{"return": {"pong": true}}"#)
    }

    /// The error read before the next command is sent belongs to no command at all; read
    /// after that command's `guest-sync` went out, it comes before the sync's answer.
    @Test(arguments: [true, false])
    func withoutIDsALateErrorIsPassedOver(beforeTheNextCommand: Bool) async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: false)
        #expect(try await client.execute("guest-shutdown") == [:])
        _ = try #require(try await peer.nextAgentCommand())
        if beforeTheNextCommand {
            peer.send(Self.failure)
            try await waitUntil("the error is read") { client.unexpectedMessageCount == 1 }
        }
        async let ping: JSONValue = client.execute("guest-ping")
        try await answerResyncAndPing(peer, errorFirst: !beforeTheNextCommand)
        #expect(try await ping == ["pong": true])
        #expect(client.unexpectedMessageCount == 1)
        #expect(client.runState == .running)
    }

    @Test func withoutIDsASucceededCommandCostsTheNextOneASync() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: false)
        #expect(try await client.execute("guest-shutdown") == [:])
        _ = try #require(try await peer.nextAgentCommand())
        async let ping: JSONValue = client.execute("guest-ping")
        try await answerResyncAndPing(peer, errorFirst: false)
        #expect(try await ping == ["pong": true])
        // Once resynchronised, commands go straight out again.
        async let again: JSONValue = client.execute("guest-ping")
        let next = try #require(try await peer.nextAgentCommand())
        #expect(next["execute"] == "guest-ping")
        peer.send(#"{"return": {}}"#)
        #expect(try await again == [:])
        #expect(client.unexpectedMessageCount == 0)
    }

    /// A caller's own message without an id still gets one, so the agent's error names it.
    @Test func aMessageWithoutAnIDGetsOneForItsError() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: true)
        let reply = try await client.executeMessage(Message(["execute": "guest-shutdown"]))
        #expect(reply["return"] == [:])
        let sent = try #require(try await peer.nextAgentCommand())
        #expect(sent.id != nil)
        peer.reply(to: sent, Self.failure)
        async let ping: JSONValue = client.execute("guest-ping")
        peer.reply(to: try #require(try await peer.nextAgentCommand()), #"{"return": {}}"#)
        #expect(try await ping == [:])
        #expect(client.unexpectedMessageCount == 1)
        #expect(client.runState == .running)
    }

    /// Found in review: an agent whose `guest-info` lists no `success-response` (older than
    /// the field) had every command waited for, so `guest-shutdown` waited forever.
    @Test func anAgentWithoutSuccessResponseFieldsFallsBackToTheManual() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(30))
        try await peer.answerHandshake(echoingIDs: true)
        let info = try #require(try await peer.nextAgentCommand())
        peer.reply(to: info, #"{"return": {"version": "1.1", "supported_commands": [{"enabled": true, "name": "guest-ping"}, {"enabled": true, "name": "guest-shutdown"}]}}"#)
        let connectedInfo = try await connected
        #expect(connectedInfo.noReplyCommands == ["guest-shutdown"])
        #expect(connectedInfo.commands.map(\.sendsSuccessResponse) == [true, false])
        #expect(try await client.execute("guest-shutdown") == [:])
    }
}
