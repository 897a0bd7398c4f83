@_spi(Testing) import QMP
import QMPCore
import QMPTestSupport
import Testing

extension ScriptedPeer {
    /// The next command from a guest agent client, passing over its 0xFF parser resets.
    func nextAgentCommand() async throws -> Message? {
        while true {
            do {
                return try await nextMessage()
            } catch let error as QMPError where error.code == .malformedMessage {
                continue
            }
        }
    }

    /// Reads the client's `guest-sync-delimited` and answers it: 0xFF, then its number, with
    /// the handshake's id when `echoingIDs`.
    func answerHandshake(echoingIDs: Bool) async throws {
        let sync = try #require(try await nextAgentCommand())
        let token = try #require(sync["arguments"]?["id"]?.intValue)
        let id = echoingIDs ? ", \"id\": \"sync\"" : ""
        transportInject([0xFF] + Array("{\"return\": \(token)\(id)}\n".utf8))
    }

    /// Answers the client's `guest-info` with one no-reply command among two.
    func answerGuestInfo(echoingIDs: Bool) async throws {
        let info = try #require(try await nextAgentCommand())
        #expect(info["execute"] == "guest-info")
        let body = #"{"return": {"version": "7.2.0", "supported_commands": [{"enabled": true, "name": "guest-ping", "success-response": true}, {"enabled": true, "name": "guest-shutdown", "success-response": false}, {"enabled": false, "name": "guest-suspend-ram", "success-response": false}]}}"#
        if echoingIDs { reply(to: info, body) } else { send(body) }
    }
}

/// A client connected to a scripted guest agent that echoes ids or not.
func connectedAgent(
    echoingIDs: Bool, configuration: QMPClient.Configuration = QMPClient.Configuration()
) async throws -> (QMPClient, ScriptedPeer) {
    let peer = ScriptedPeer()
    let client = QMPClient(configuration: configuration)
    async let connected = client.connectToGuestAgent(peer.transport, timeout: .seconds(30))
    try await peer.answerHandshake(echoingIDs: echoingIDs)
    try await peer.answerGuestInfo(echoingIDs: echoingIDs)
    _ = try await connected
    return (client, peer)
}
