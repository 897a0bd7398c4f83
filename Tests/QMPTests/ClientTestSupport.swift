import QMP
import QMPTestSupport
import Testing

/// A client connected to a scripted peer that has accepted negotiation.
func connectedClient(
    configuration: QMPClient.Configuration = QMPClient.Configuration()
) async throws -> (QMPClient, ScriptedPeer) {
    let client = QMPClient(configuration: configuration)
    let peer = ScriptedPeer()
    async let greeting = client.connect(peer.transport)
    _ = try await peer.acceptNegotiation()
    _ = try await greeting
    return (client, peer)
}

/// Runs `body` expecting it to throw a `QMPError` and returns that error.
@discardableResult
func expectQMPError(
    _ code: QMPError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> QMPError? {
    do {
        try await body()
        Issue.record("expected QMPError.\(code), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as QMPError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected QMPError.\(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
