import Foundation
import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// The simulator against QEMU 7.2 itself, the same commands to each: replies and the events
/// before each reply must agree. The commands are what a review found the simulator to get
/// wrong (job lifecycle, backup errors, node names, reset and powerdown, negotiation
/// arguments, HMP), so each divergence it found fails here.
@Suite("The simulator answers as QEMU 7.2 does", .serialized, .timeLimit(.minutes(2)))
struct SimulatorFidelityTests {
    /// What a command's turn looks like: the events before its reply (names and data), then the reply.
    struct Turn: Equatable, CustomStringConvertible {
        var events: [String]
        var reply: JSONValue
        var description: String { "\(events) \(reply)" }
    }

    static let beforeNegotiation: [JSONObject] = [
        ["execute": "qmp_capabilities", "arguments": ["enable": "oob"]],
        ["execute": "qmp_capabilities", "arguments": ["x": 1]],
        ["execute": "qmp_capabilities", "arguments": ["enable": ["foo"]]],
    ]

    static let commands: [JSONObject] = [
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": "1bad"]],
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": .string(String(repeating: "a", count: 32))]],
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": "ok-1.x_y"]],
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": "src", "size": 4096]],
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": "dst", "size": 4096]],
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": "big"]],
        ["execute": "blockdev-add", "arguments": ["driver": "null-co", "node-name": "big2"]],
        ["execute": "blockdev-backup", "arguments": ["device": "src", "target": "dst", "sync": "full"]],
        ["execute": "blockdev-backup", "arguments": ["job-id": "j0", "device": "src", "target": "src", "sync": "full"]],
        ["execute": "blockdev-backup", "arguments": ["job-id": "j0", "device": "src", "target": "big", "sync": "full"]],
        ["execute": "blockdev-backup", "arguments": ["job-id": "j1", "device": "src", "target": "dst", "sync": "full", "auto-dismiss": false]],
        ["execute": "query-jobs"],
        ["execute": "query-block-jobs"],
        ["execute": "human-monitor-command", "arguments": ["command-line": "info block-jobs"]],
        ["execute": "blockdev-backup", "arguments": ["job-id": "j1", "device": "src", "target": "dst", "sync": "full"]],
        ["execute": "job-dismiss", "arguments": ["id": "j1"]],
        ["execute": "job-dismiss", "arguments": ["id": "j1"]],
        ["execute": "query-jobs"],
        ["execute": "blockdev-backup", "arguments": ["job-id": "j2", "device": "big", "target": "big2", "sync": "full"]],
        ["execute": "system_reset"],
        ["execute": "system_powerdown"],
        ["execute": "human-monitor-command", "arguments": ["command-line": "s"]],
        ["execute": "human-monitor-command", "arguments": ["command-line": ""]],
        ["execute": "human-monitor-command", "arguments": ["command-line": "stop extra"]],
        ["execute": "human-monitor-command", "arguments": ["command-line": "c x"]],
        ["execute": "human-monitor-command", "arguments": ["command-line": "info name"]],
        ["execute": "human-monitor-command", "arguments": ["command-line": "c"]],
    ]

    /// Runs the commands over `transport`: raw before negotiation, then through a client.
    private func turns(over transport: some Transport) async throws -> [Turn] {
        let client = QMPClient(configuration: { var configuration = QMPClient.Configuration(); configuration.negotiateOOB = false; return configuration }())
        let events = Listener(AllEvents())
        try client.register(events)
        try await client.connect(transport)
        var turns: [Turn] = []
        for command in Self.commands {
            let reply = try await client.executeMessage(Message(command))
            let seen = events.clear().map { "\($0.name) \(JSONValue.object($0.data).serialized())" }
            turns.append(Turn(events: seen, reply: reply["return"] ?? reply["error"] ?? .null))
        }
        await client.disconnect()
        return turns
    }

    @Test(.requiresQEMU)
    func sameRepliesAndEvents() async throws {
        let simulated = try await turns(over: SimulatedQEMU().makeClientTransport())
        let real = try await QEMUInstance.with { qemu in
            try await turns(over: try await UnixSocketTransport.connect(path: qemu.socketPath))
        }
        #expect(simulated.count == real.count)
        for (index, (mine, theirs)) in zip(simulated, real).enumerated() {
            #expect(mine == theirs, "\(Self.commands[index]): simulator \(mine), QEMU \(theirs)")
        }
    }

    @Test("a message with both execute and exec-oob is refused as QEMU refuses it", .requiresQEMU)
    func executeClashesWithExecOOB() async throws {
        func reply(_ transport: some Transport) async throws -> JSONValue? {
            let client = QMPClient()
            try await client.connect(transport)
            let reply = try await client.executeMessage(Message(["exec-oob": "query-status", "execute": "query-status", "id": "x"]))
            await client.disconnect()
            return reply["error"]?["desc"]
        }
        let simulated = try await reply(SimulatedQEMU().makeClientTransport())
        let real = try await QEMUInstance.with { qemu in try await reply(try await UnixSocketTransport.connect(path: qemu.socketPath)) }
        #expect(simulated == real)
        #expect(real == "QMP input member 'execute' clashes with 'exec-oob'")
    }

    @Test("qmp_capabilities's arguments are checked as QEMU checks them", .requiresQEMU)
    func negotiationArguments() async throws {
        func errors(_ transport: some Transport) async throws -> [String] {
            var framer = MessageFramer()
            var replies: [String] = []
            for command in Self.beforeNegotiation { try await transport.send(Message(command).serializedBytes()) }
            while replies.count < Self.beforeNegotiation.count + 1, let chunk = try await transport.receive() {
                framer.append(chunk)
                while let frame = try framer.nextFrame() {
                    let message = try Message(parsing: frame)
                    if let error = message["error"] { replies.append(error["desc"]?.stringValue ?? "") } else { replies.append("\(message.object)") }
                }
            }
            await transport.close()
            return Array(replies.dropFirst())   // the greeting
        }
        let simulated = try await errors(SimulatedQEMU().makeClientTransport())
        let real = try await QEMUInstance.with { qemu in try await errors(try await UnixSocketTransport.connect(path: qemu.socketPath)) }
        #expect(simulated == real)
        #expect(real.count == 3)
    }
}
