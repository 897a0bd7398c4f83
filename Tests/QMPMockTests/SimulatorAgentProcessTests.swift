import Foundation
import QMP
import QMPChildProcess
import QMPTestSupport
import QMPTransportUnix
import Testing

@Suite("qmp-simulator --agent as a process", .timeLimit(.minutes(2)))
struct SimulatorAgentProcessTests {
    @Test func servesASimulatedAgentWhoseFilesOutliveAConnection() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/qga.sock"
        let process = try BuiltTool.launch("qmp-simulator", ["--unix", path, "--agent"])
        defer { process.killAndWait() }
        try await waitUntilListening(at: path)

        let writer = QMPClient()
        try await writer.connectToGuestAgent(try await UnixSocketTransport.connect(path: path))
        let handle = try await writer.execute("guest-file-open", arguments: ["path": "/note", "mode": "w"])
        try await writer.execute("guest-file-write", arguments: ["handle": handle, "buf-b64": "aGk="])
        try await writer.execute("guest-file-close", arguments: ["handle": handle])
        #expect(try await writer.execute("guest-shutdown") == [:])
        await writer.disconnect()

        let reader = QMPClient()
        let info = try await reader.connectToGuestAgent(try await UnixSocketTransport.connect(path: path))
        #expect(info.noReplyCommands.contains("guest-shutdown"))
        let again = try await reader.execute("guest-file-open", arguments: ["path": "/note", "mode": "r"])
        #expect(try await reader.execute("guest-file-read", arguments: ["handle": again])["buf-b64"] == "aGk=")
        await reader.disconnect()
    }
}
