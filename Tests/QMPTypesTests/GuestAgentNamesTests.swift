import QMP
import QMPGuestAgentTypes
import QMPMock
import Testing

/// Found in review: `QMP` and `QMPGuestAgentTypes` both declared a public `GuestAgentInfo`,
/// so a file importing both could name neither without a module prefix. This file imports
/// both and names each unqualified: it compiles only while the names stay apart.
@Suite("Guest agent names across modules")
struct GuestAgentNamesTests {
    @Test func theConnectionAndTheGeneratedReplyAreDistinctTypes() async throws {
        let client = QMPClient()
        let connection: GuestAgentConnection = try await client.connectToGuestAgent(SimulatedGuestAgent().makeClientTransport(), timeout: .seconds(30))
        let reply: GuestAgentInfo = try await client.execute(GuestInfo())
        #expect(connection.version == reply.version)
        #expect(Set(reply.supportedCommands.map(\.name)) == Set(connection.commands.map(\.name)))
        await client.disconnect()
    }
}
