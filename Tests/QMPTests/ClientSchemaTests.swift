import QMP
import QMPCore
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Synchronization
import Testing

/// Collects what a client sends, and the deprecations it reports.
private final class Observed: Sendable {
    private let sentTexts = Lock<[String]>([])
    private let reported = Lock<[SchemaDeprecation]>([])

    var sent: [String] { sentTexts.withLock { $0 } }
    var deprecations: [SchemaDeprecation] { reported.withLock { $0 } }

    /// Whether a sent message executes `command`.
    func sent(_ command: String) -> Bool {
        sent.contains { $0.contains("\"execute\":\"\(command)\"") }
    }

    func configuration(loadingAtConnect: Bool = false) -> QMPClient.Configuration {
        var configuration = QMPClient.Configuration()
        configuration.trace = { record in
            if record.direction == .sent { self.sentTexts.withLock { $0.append(record.text) } }
        }
        configuration.deprecationHandler = { deprecation in self.reported.withLock { $0.append(deprecation) } }
        configuration.loadsSchemaAtConnect = loadingAtConnect
        return configuration
    }
}

@Suite("QMPClient schema checks", .timeLimit(.minutes(1)))
struct ClientSchemaTests {
    /// One QEMU for every check against a real one (each with a client of its own, one
    /// after another): fewer QEMUs starting at once under the parallel suite.
    @Test(.requiresQEMU) func againstRealQEMU() async throws {
        try await QEMUInstance.with { qemu in
            for check in [
                aCommandThisQEMULacksFailsBeforeSending, aMemberThisQEMULacksFailsBeforeSending,
                withoutASchemaCommandsGoToQEMU, aDeprecatedMemberIsReportedOnceAndSent, rawMessagesAreNotChecked,
            ] {
                let observed = Observed()
                let client = QMPClient(configuration: observed.configuration())
                try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
                do {
                    try await check(client, observed)
                } catch {
                    await client.disconnect()
                    throw error
                }
                await client.disconnect()
            }
        }
    }

    private func aCommandThisQEMULacksFailsBeforeSending(_ client: QMPClient, _ observed: Observed) async throws {
        #expect(client.schema == nil)
        let schema = try await client.loadSchema()
        #expect(schema.commands["query-status"] != nil)
        #expect(client.schema == schema)
        let version = try #require(client.greeting?.version)
        let error = await expectQMPError(.schemaMismatch) { try await client.execute("x-no-such-command") }
        #expect(error?.command == "x-no-such-command")
        #expect(error?.message == "not sent: there is no command 'x-no-such-command' in the schema of QEMU \(version)")
        #expect(error?.errorClass == "CommandNotFound")
        #expect(error?.errorDescription == "The command x-no-such-command has not been found")
        #expect(!observed.sent("x-no-such-command"))
        // The session goes on, and a command that fits is sent.
        #expect(try await client.execute("query-status")["running"] != nil)
        #expect(observed.sent("query-status"))
    }

    private func aMemberThisQEMULacksFailsBeforeSending(_ client: QMPClient, _ observed: Observed) async throws {
        try await client.loadSchema()
        let error = await expectQMPError(.schemaMismatch) {
            try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": "n", "x-newer": true])
        }
        #expect(error?.message.contains("'blockdev-add' has no member 'x-newer'") == true)
        #expect(error?.errorDescription == "Parameter 'x-newer' is unexpected")
        let mistyped = await expectQMPError(.schemaMismatch) {
            try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": "n", "size": "1M"])
        }
        #expect(mistyped?.errorDescription == "Invalid parameter type for 'size', expected: integer")
        #expect(!observed.sent("blockdev-add"))
    }

    private func withoutASchemaCommandsGoToQEMU(_ client: QMPClient, _ observed: Observed) async throws {
        let error = await expectQMPError(.commandFailed) { try await client.execute("x-no-such-command") }
        #expect(error?.errorClass == "CommandNotFound")
        #expect(observed.sent("x-no-such-command"))
    }

    private func aDeprecatedMemberIsReportedOnceAndSent(_ client: QMPClient, _ observed: Observed) async throws {
        try await client.loadSchema()
        for _ in 0..<2 {
            // QEMU 7.2 deprecates eject's `device` for `id`; there is no such drive, so QEMU refuses it.
            await expectQMPError(.commandFailed) { try await client.execute("eject", arguments: ["device": "cd0"]) }
        }
        #expect(observed.deprecations == [SchemaDeprecation(command: "eject", path: "device")])
        #expect(observed.sent.filter { $0.contains("\"execute\":\"eject\"") }.count == 2)
        await expectQMPError(.commandFailed) { try await client.execute("eject", arguments: ["id": "cd0"]) }
        #expect(observed.deprecations.count == 1)
    }

    private func rawMessagesAreNotChecked(_ client: QMPClient, _ observed: Observed) async throws {
        try await client.loadSchema()
        let reply = try await client.executeMessage(Message(["execute": "x-no-such-command", "id": "raw-1"]))
        #expect(reply["error"]?["class"] == "CommandNotFound")
        #expect(observed.sent("x-no-such-command"))
    }

    @Test func theSchemaIsLoadedAgainAfterAReconnect() async throws {
        let observed = Observed()
        let client = QMPClient(configuration: observed.configuration())
        try await client.connect(SimulatedQEMU().makeClientTransport())
        try await client.loadSchema()
        try await client.loadSchema()
        #expect(observed.sent.filter { $0.contains("query-qmp-schema") }.count == 1, "cached for the session")
        await client.disconnect()
        #expect(client.schema == nil)
        try await client.connect(SimulatedQEMU().makeClientTransport())
        #expect(client.schema?.commands.count == 216, "loaded again while connecting")
        #expect(observed.sent.filter { $0.contains("query-qmp-schema") }.count == 2)
        await expectQMPError(.schemaMismatch) { try await client.execute("x-no-such-command") }
        await client.disconnect()
    }

    @Test func aConfigurationLoadsItAtConnect() async throws {
        let observed = Observed()
        let client = QMPClient(configuration: observed.configuration(loadingAtConnect: true))
        try await client.connect(SimulatedQEMU().makeClientTransport())
        #expect(client.schema != nil)
        await expectQMPError(.schemaMismatch) { try await client.execute("x-no-such-command") }
        // A deprecated command is reported, and sent: the simulator does not run drive-backup.
        let error = await expectQMPError(.commandFailed) {
            try await client.execute("drive-backup", arguments: ["device": "d", "target": "t", "sync": "full"])
        }
        #expect(error?.errorClass == "CommandNotFound")
        #expect(observed.deprecations == [SchemaDeprecation(command: "drive-backup")])
        #expect(!observed.sent("x-no-such-command"))
        await client.disconnect()
    }

    @Test func aMalformedSchemaFailsTheLoadNotTheSession() async throws {
        let simulator = SimulatedQEMU()
        simulator.handle("query-qmp-schema") { _ in [["name": "c", "meta-type": "command"]] }
        let client = QMPClient()
        try await client.connect(simulator.makeClientTransport())
        let error = await expectQMPError(.decodingFailed) { try await client.loadSchema() }
        #expect(error?.message.contains("entity 0 ('c'): 'arg-type' is missing") == true)
        #expect(client.schema == nil)
        #expect(try await client.execute("query-status")["running"] == true)
        await client.disconnect()
    }

    @Test func aMalformedSchemaAtConnectFailsTheConnect() async throws {
        let simulator = SimulatedQEMU()
        simulator.handle("query-qmp-schema") { _ in "not a schema" }
        var configuration = QMPClient.Configuration()
        configuration.loadsSchemaAtConnect = true
        let client = QMPClient(configuration: configuration)
        await expectQMPError(.decodingFailed) { try await client.connect(simulator.makeClientTransport()) }
        #expect(client.runState == .idle)
    }
}
