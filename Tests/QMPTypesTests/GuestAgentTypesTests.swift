import QMPGuestAgentTypes
import Testing

/// The guest agent's types, generated from its reference manual alone, decode what qemu-ga sends.
@Suite("Guest agent types")
struct GuestAgentTypesTests {
    @Test("guest-info's reply decodes as GuestAgentInfo; guest-exec takes typed arguments")
    func guestInfoAndExec() throws {
        let reply = #"{"version": "7.2.0", "supported_commands": [{"enabled": true, "name": "guest-ping", "success-response": true}]}"#
        let info = try JSONValueDecoder().decode(GuestInfo.Result.self, from: try JSONParser.parse(Array(reply.utf8)))
        #expect(info.version == "7.2.0")
        #expect(info.supportedCommands.first?.name == "guest-ping")
        #expect(GuestExecCommand.name == "guest-exec")
        let exec = GuestExecCommand(path: "/bin/echo", arg: ["hi"], captureOutput: true)
        #expect(try JSONValueEncoder().encode(exec) == ["path": "/bin/echo", "arg": ["hi"], "capture-output": true])
    }
}
