import QMP
import QMPCore
import QMPTestSupport
import Testing

/// A caller's own `guest-sync-delimited` mid-session, as a long-lived client resynchronises
/// after a timeout: the agent answers with 0xFF first, a byte no JSON holds.
@Suite("Guest agent resynchronisation mid-session", .timeLimit(.minutes(1)))
struct GuestAgentResyncTests {
    /// Found in review: the 0xFF was framed as garbage, so the answer failed with
    /// `malformedMessage` and the session ended.
    @Test func theDelimitedAnswerIsRead() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: true)
        async let synced: JSONValue = client.execute("guest-sync-delimited", arguments: ["id": 42])
        let sync = try #require(try await peer.nextAgentCommand())
        let id = try #require(sync.id)
        peer.transportInject([0xFF] + Array("{\"return\": 42, \"id\": \(id)}\n".utf8))
        #expect(try await synced == 42)
        async let ping: JSONValue = client.execute("guest-ping")
        peer.reply(to: try #require(try await peer.nextAgentCommand()), #"{"return": {}}"#)
        #expect(try await ping == [:])
        #expect(client.runState == .running)
    }

    /// What a 0xFF cuts off is stale (the agent reset its output), not a malformed message.
    @Test func aMessageCutOffByTheDelimiterIsStale() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: false)
        async let synced: JSONValue = client.execute("guest-sync-delimited", arguments: ["id": 7])
        _ = try #require(try await peer.nextAgentCommand())
        peer.transportInject(Array(#"{"return": {"half"#.utf8) + [0xFF, 0xFF] + Array("{\"return\": 7}\n".utf8))
        #expect(try await synced == 7)
        #expect(client.runState == .running)
        #expect(client.unexpectedMessageCount == 0)
    }
}
