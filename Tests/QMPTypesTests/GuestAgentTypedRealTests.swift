import Foundation
import QMP
import QMPGuestAgentTypes
import QMPTestSupport
import QMPTransportUnix
import Testing

/// The generated guest-agent types against a real `qemu-ga` (every host-changing command
/// blocked by ``GuestAgentInstance``): what the agent's manual says decodes what it sends.
@Suite("Guest agent types against a real qemu-ga", .requiresGuestAgent, .serialized, .timeLimit(.minutes(2)))
struct GuestAgentTypedRealTests {
    @Test func readOnlyQueriesDecodeTyped() async throws {
        try await GuestAgentInstance.with { agent in
            let client = QMPClient()
            try await client.connectToGuestAgent(try await UnixSocketTransport.connect(path: agent.socketPath), timeout: .seconds(30))
            let info = try await client.execute(GuestInfo())
            #expect(info.supportedCommands.contains { $0.name == "guest-ping" && $0.enabled })
            #expect(info.supportedCommands.contains { $0.name == "guest-shutdown" && !$0.enabled })
            let os = try await client.execute(GuestGetOsinfo())
            #expect(os.kernelRelease?.isEmpty == false)
            let zone = try await client.execute(GuestGetTimezone())
            #expect(zone.offset > -86_400 && zone.offset < 86_400)
            await client.disconnect()
        }
    }

    @Test func execAndFilesRunTyped() async throws {
        try await GuestAgentInstance.with { agent in
            let client = QMPClient()
            try await client.connectToGuestAgent(try await UnixSocketTransport.connect(path: agent.socketPath), timeout: .seconds(30))
            let started = try await client.execute(GuestExecCommand(path: "/bin/echo", arg: ["typed"], captureOutput: true))
            let pid = try #require(started["pid"]?.intValue)
            // The agent reports the exit only once it has reaped the child: ask until then.
            let status = try await waitForValue("qemu-ga reports that /bin/echo exited") {
                let status = try await client.execute(GuestExecStatusCommand(pid: pid))
                return status.exited ? status : nil
            }
            #expect(status.exitcode == 0)
            #expect(status.outData.flatMap { Data(base64Encoded: $0) } == Data("typed\n".utf8))

            let path = agent.filePath("typed.txt")
            let handle = try #require(try await client.execute(GuestFileOpen(path: path, mode: "w")).intValue)
            let written = try await client.execute(GuestFileWriteCommand(handle: handle, bufB64: Data("abc".utf8).base64EncodedString()))
            #expect(written.count == 3)
            try await client.execute(GuestFileClose(handle: handle))
            let readHandle = try #require(try await client.execute(GuestFileOpen(path: path, mode: "r")).intValue)
            let read = try await client.execute(GuestFileReadCommand(handle: readHandle))
            #expect(Data(base64Encoded: read.bufB64) == Data("abc".utf8))
            #expect(read.eof)
            try await client.execute(GuestFileClose(handle: readHandle))
            await client.disconnect()
        }
    }
}
