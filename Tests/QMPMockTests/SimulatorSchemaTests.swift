import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// The simulator refuses what real QEMU 7.2 refuses, with the same class and text.
@Suite("Simulated QEMU: schema checks", .timeLimit(.minutes(1)))
struct SimulatorSchemaTests {
    /// Commands with wrong arguments, and a few right ones, for both to answer.
    static let commands: [(String, JSONObject)] = [
        ("no-such", [:]),
        ("query-status", [:]),
        ("query-status", ["x": 1]),
        ("eject", ["device": 5]),
        ("eject", ["device": nil]),
        ("eject", ["id": "a", "force": "yes"]),
        ("eject", ["id": "a", "force": true, "zz": 1]),
        ("block_set_io_throttle", ["id": "a"]),
        ("block_set_io_throttle", ["id": "a", "bps": 1.5, "bps_rd": 0, "bps_wr": 0, "iops": 0, "iops_rd": 0, "iops_wr": 0]),
        ("block_set_io_throttle", ["id": "a", "bps": "1", "bps_rd": 0, "bps_wr": 0, "iops": 0, "iops_rd": 0, "iops_wr": 0]),
        ("blockdev-add", ["driver": "nope", "node-name": "n"]),
        ("blockdev-add", ["node-name": "n"]),
        ("blockdev-add", ["driver": 5, "node-name": "n"]),
        ("blockdev-add", ["driver": "null-co", "node-name": "n", "zz": 1]),
        ("blockdev-add", ["driver": "null-co", "node-name": "n", "size": "x"]),
        ("blockdev-add", ["driver": "raw", "node-name": "n2"]),
        ("blockdev-add", ["driver": "raw", "node-name": "n2", "file": 5]),
        ("blockdev-add", ["driver": "raw", "node-name": "n2", "file": ["driver": "nope"]]),
        ("blockdev-add", ["driver": "raw", "node-name": "n2", "file": ["driver": "null-co", "zz": 1]]),
        ("blockdev-add", ["driver": "qcow2", "node-name": "n3", "file": "x", "backing": 5]),
        ("blockdev-add", ["driver": "qcow2", "node-name": "n3", "file": "x", "overlap-check": 5]),
        ("blockdev-add", ["driver": "null-co", "node-name": "ok", "size": 1_048_576]),
        ("transaction", ["actions": [["type": "nope"]]]),
        ("transaction", ["actions": [["type": "abort", "data": ["x": 1]]]]),
        ("transaction", ["actions": [5]]),
        ("transaction", ["actions": [:]]),
        ("transaction", ["actions": [["type": "blockdev-backup", "data": ["device": "a"]]]]),
        ("transaction", ["actions": [["type": "abort"]]]),
        ("qom-set", ["path": "/machine", "property": "x"]),
        ("query-cpu-model-expansion", ["type": "bad", "model": ["name": "max"]]),
        ("set_link", ["name": "a", "up": 1]),
        ("client_migrate_info", ["protocol": "spice", "hostname": "a", "port": "1"]),
        ("migrate-set-parameters", ["tls-creds": 5]),
        ("block-dirty-bitmap-merge", ["node": "a", "target": "b", "bitmaps": [5]]),
        ("block-dirty-bitmap-merge", ["node": "a", "target": "b", "bitmaps": [["node": "a"]]]),
        ("device_add", [:]),
        ("human-monitor-command", [:]),
        ("human-monitor-command", ["command-line": 1]),
    ]

    /// Commands sent as `exec-oob`: only those the schema allows may run out of band.
    static let outOfBandCommands = ["query-status", "no-such"]

    /// `ok`, or the error's class and text, for each of ``commands`` and ``outOfBandCommands``.
    private static func answers(_ client: QMPClient) async -> [String] {
        var answers: [String] = []
        let all = commands.map { ($0.0, $0.1, false) } + outOfBandCommands.map { ($0, [:] as JSONObject, true) }
        for (name, arguments, oob) in all {
            do {
                try await client.execute(name, arguments: arguments, oob: oob)
                answers.append("\(name): ok")
            } catch {
                answers.append("\(name): \(error.errorClass ?? "\(error.code)"): \(error.errorDescription ?? error.message)")
            }
        }
        return answers
    }

    @Test(.requiresQEMU) func refusesWhatQEMURefusesInItsWords() async throws {
        let real = try await QEMUInstance.with { qemu in
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            let answers = await Self.answers(client)
            await client.disconnect()
            return answers
        }
        let client = QMPClient()
        try await client.connect(SimulatedQEMU().makeClientTransport())
        let simulated = await Self.answers(client)
        await client.disconnect()
        #expect(real.count == Self.commands.count + Self.outOfBandCommands.count)
        for (real, simulated) in zip(real, simulated) {
            #expect(real == simulated)
        }
        #expect(real.filter { $0.hasSuffix(": ok") }.count == 2, "query-status and one blockdev-add succeed: \(real)")
        #expect(real.suffix(2) == [
            "query-status: GenericError: The command query-status does not support OOB",
            "no-such: CommandNotFound: The command no-such has not been found",
        ])
    }

    @Test func aCommandTheSchemaLacksIsLeftToItsHandler() async throws {
        let simulator = SimulatedQEMU()
        simulator.handle("x-test-echo") { context in .object(context.arguments) }
        let client = QMPClient()
        try await client.connect(simulator.makeClientTransport())
        #expect(try await client.execute("x-test-echo", arguments: ["any": 1]) == ["any": 1])
        await client.disconnect()
    }

    @Test func withoutASchemaNothingIsChecked() async throws {
        let client = QMPClient()
        try await client.connect(SimulatedQEMU(schema: nil).makeClientTransport())
        #expect(try await client.execute("query-status", arguments: ["x": 1])["running"] == true)
        await client.disconnect()
    }

    @Test func aCommandQEMUHasButTheSimulatorDoesNotRunIsStillChecked() async throws {
        let client = QMPClient()
        try await client.connect(SimulatedQEMU().makeClientTransport())
        await #expect(throws: QMPError.self) { try await client.execute("eject", arguments: ["id": "cd0"]) }
        do {
            try await client.execute("eject", arguments: ["force": "yes"])
            Issue.record("eject with a string force was accepted")
        } catch {
            #expect(error.errorDescription == "Invalid parameter type for 'force', expected: boolean")
        }
        await client.disconnect()
    }
}
