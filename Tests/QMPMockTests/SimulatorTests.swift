import Foundation
import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

@Suite("Simulated QEMU", .timeLimit(.minutes(1)))
struct SimulatorTests {
    private func connected(_ simulator: SimulatedQEMU = SimulatedQEMU()) async throws -> QMPClient {
        let client = QMPClient()
        try await client.connect(simulator.makeClientTransport())
        return client
    }

    @Test func answersCommonCommandsLikeQEMU() async throws {
        let client = try await connected()
        #expect(client.greeting?.capabilities == ["oob"])
        #expect(try await client.execute("query-status") == ["status": "running", "singlestep": false, "running": true])
        #expect(try await client.execute("query-version")["qemu"]?["major"] == 7)
        let commands = try await client.execute("query-commands").arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(commands.contains("blockdev-backup"))
        do {
            try await client.execute("no-such-command")
        } catch {
            #expect(error.errorClass == "CommandNotFound")
            #expect(error.errorDescription == "The command no-such-command has not been found")
        }
        await client.disconnect()
    }

    @Test func stopAndContEmitEventsBeforeTheirReplies() async throws {
        let client = try await connected()
        try await client.listener(["STOP", "RESUME"] as EventNames) { events in
            try await client.execute("stop")
            #expect(events.count == 1, "STOP is already in hand when stop returns")
            #expect(try await client.execute("query-status")["running"] == false)
            try await client.execute("cont")
            #expect(events.count == 2)
            #expect(events.history.map(\.name) == ["STOP", "RESUME"])
        }
        await client.disconnect()
    }

    /// Each job's statuses (and BLOCK_JOB_COMPLETED) in order, as "job:status", while `body` runs.
    private func jobEvents(_ client: QMPClient, _ body: () async throws -> Void) async throws -> [String] {
        try await client.listener(EventNames(["JOB_STATUS_CHANGE", "BLOCK_JOB_COMPLETED"])) { jobs in
            try await body()
            return jobs.history.map { event in
                event.name == "BLOCK_JOB_COMPLETED"
                    ? "\(event.data["device"]?.stringValue ?? ""):COMPLETED"
                    : "\(event.data["id"]?.stringValue ?? ""):\(event.data["status"]?.stringValue ?? "")"
            }
        }
    }

    private func backup(_ job: String, from device: String, to target: String) -> JSONValue {
        ["type": "blockdev-backup", "data": ["job-id": .string(job), "device": .string(device), "target": .string(target), "sync": "full"]]
    }

    @Test("transaction: backups start, pause and resume together, as recorded from QEMU 7.2")
    func transactionOfBackups() async throws {
        let client = try await connected()
        for node in ["a-src", "a-dst", "b-src", "b-dst"] {
            try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": .string(node)])
        }
        let one = try await jobEvents(client) {
            try await client.execute("transaction", arguments: ["actions": [backup("j1", from: "a-src", to: "a-dst")]])
        }
        #expect(one == [
            "j1:created", "j1:running", "j1:paused", "j1:running",
            "j1:waiting", "j1:pending", "j1:COMPLETED", "j1:concluded", "j1:null",
        ])
        let two = try await jobEvents(client) {
            try await client.execute("transaction", arguments: [
                "actions": [backup("j2", from: "a-src", to: "a-dst"), backup("j3", from: "b-src", to: "b-dst")],
            ])
        }
        #expect(two == [
            "j2:created", "j3:created", "j2:running", "j2:paused", "j3:running", "j3:paused", "j2:running", "j3:running",
            "j3:waiting", "j3:pending", "j3:COMPLETED", "j3:concluded", "j3:null",
            "j2:waiting", "j2:pending", "j2:COMPLETED", "j2:concluded", "j2:null",
        ])
        await client.disconnect()
    }

    @Test("transaction: a failing action aborts the jobs prepared before it, and their ids are free again")
    func transactionRollsBack() async throws {
        let client = try await connected()
        for node in ["a-src", "a-dst"] {
            try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": .string(node)])
        }
        var failure: QMPError?
        let events = try await jobEvents(client) {
            do {
                try await client.execute("transaction", arguments: [
                    "actions": [backup("j4", from: "a-src", to: "a-dst"), backup("j5", from: "nope", to: "a-dst")],
                ])
            } catch {
                failure = error as? QMPError
            }
        }
        #expect(failure?.errorDescription == "Cannot find device='nope' nor node-name='nope'")
        #expect(events == ["j4:created", "j4:aborting", "j4:concluded", "j4:null"])
        try await client.execute("blockdev-backup", arguments: ["job-id": "j4", "device": "a-src", "target": "a-dst", "sync": "full"])
        await client.disconnect()
    }

    @Test("transaction: empty, abort, an unknown action type and no actions answer as QEMU 7.2 does")
    func transactionEdgeCases() async throws {
        let client = try await connected()
        #expect(try await client.execute("transaction", arguments: ["actions": []]) == [:])
        let cases: [(JSONObject, String)] = [
            (["actions": [["type": "abort", "data": [:]]]], "Transaction aborted using Abort action"),
            (["actions": [["type": "frob", "data": [:]]]], "Parameter 'type' does not accept value 'frob'"),
            ([:], "Parameter 'actions' is missing"),
        ]
        for (arguments, description) in cases {
            do {
                try await client.execute("transaction", arguments: arguments)
                Issue.record("transaction \(arguments) succeeded")
            } catch {
                #expect(error.errorClass == "GenericError")
                #expect(error.errorDescription == description)
            }
        }
        await client.disconnect()
    }

    @Test func backupEmitsTheRecordedEventSequence() async throws {
        let client = try await connected()
        for node in ["src", "dst"] {
            try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": .string(node)])
        }
        try await client.listener(JobEvents(id: "job0")) { job in
            try await client.execute("blockdev-backup", arguments: ["job-id": "job0", "device": "src", "target": "dst", "sync": "full"])
            let sequence = job.history.map { $0.data["status"]?.stringValue ?? $0.name }
            // As Transcripts/backup-job.qmp recorded it from QEMU 7.2.
            #expect(sequence == ["created", "running", "paused", "running", "waiting", "pending", "BLOCK_JOB_COMPLETED", "concluded", "null"])
        }
        do {
            try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": "src"])
        } catch {
            #expect(error.errorDescription == "Duplicate nodes with node-name='src'")
        }
        await client.disconnect()
    }

    @Test func quitSendsShutdownThenCloses() async throws {
        let client = try await connected()
        try await client.execute("quit")
        #expect(try await client.events.get().name == "SHUTDOWN")
        for await state in client.runStates() where state == .idle { break }
    }

    @Test func customHandlersAndInjectedEvents() async throws {
        let simulator = SimulatedQEMU()
        simulator.handle("query-name") { _ in ["name": "vm1"] }
        simulator.handle("fail-please") { _ in throw ErrorReply(errorClass: "DeviceNotActive", description: "nope") }
        let client = try await connected(simulator)
        #expect(try await client.execute("query-name") == ["name": "vm1"])
        do {
            try await client.execute("fail-please")
        } catch {
            #expect(error.errorClass == "DeviceNotActive")
        }
        simulator.emit("BALLOON_CHANGE", data: ["actual": 1_024])
        let event = try await client.events.get()
        #expect(event.name == "BALLOON_CHANGE")
        #expect(event.data["actual"] == 1_024)
        #expect(event.timestamp.isValid)
        await client.disconnect()
    }

    @Test func parsesInputTheWayQEMUDoes() async throws {
        let simulator = SimulatedQEMU()
        let (client, server) = InProcessTransport.makePair()
        let serving = Task { await simulator.serve(server) }
        func send(_ text: String) async throws { try await client.send(Array(text.utf8)) }
        var buffer = ""
        func nextLine() async throws -> String {
            while true {
                if let range = buffer.range(of: "\r\n") {
                    defer { buffer.removeSubrange(..<range.upperBound) }
                    return String(buffer[..<range.lowerBound])
                }
                guard let chunk = try await client.receive() else { return "EOF" }
                buffer += String(decoding: chunk, as: UTF8.self)
            }
        }
        #expect(try await nextLine().hasPrefix(#"{"QMP": {"version""#))
        try await send(#"{"execute": "query-status"}"#)
        #expect(try await nextLine() == #"{"error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}"#)
        // No newline, and two objects in one write: split where braces balance.
        try await send(#"{"execute":"qmp_capabilities","id":"a"}{"execute":"query-name","id":"b"}"#)
        #expect(try await nextLine() == #"{"return": {}, "id": "a"}"#)
        #expect(try await nextLine() == #"{"return": {}, "id": "b"}"#)
        try await send(#"{"execute": "query-name", "id": "#)
        try await send(#""split"}"#)
        #expect(try await nextLine() == #"{"return": {}, "id": "split"}"#)
        try await send("[1] 123 ")
        #expect(try await nextLine() == #"{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}"#)
        #expect(try await nextLine() == #"{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}"#)
        try await send(#"{"foo": 1}"#)
        #expect(try await nextLine() == #"{"error": {"class": "GenericError", "desc": "QMP input member 'foo' is unexpected"}}"#)
        // QEMU 7.2 rejects `control` too (it was only ever in development versions).
        try await send(#"{"execute": "query-name", "control": {}}"#)
        #expect(try await nextLine() == #"{"error": {"class": "GenericError", "desc": "QMP input member 'control' is unexpected"}}"#)
        // Past the client's 2 MiB default, as QEMU 7.2 reads it: the command is looked at.
        let filler = String(repeating: "a", count: MessageFramer.defaultMaxMessageSize + 1_000)
        try await send(#"{"execute": "query-status", "arguments": {"x": "\#(filler)"}}"#)
        #expect(try await nextLine() == #"{"error": {"class": "GenericError", "desc": "Parameter 'x' is unexpected"}}"#)
        try await send(#"{"execute": "query-name", "arguments": []}"#)
        #expect(try await nextLine() == #"{"error": {"class": "GenericError", "desc": "QMP input member 'arguments' must be an object"}}"#)
        try await send(#"{"execute": tru}"#)
        #expect(try await nextLine().hasPrefix(#"{"error": {"class": "GenericError", "desc": "JSON parse error, "#))
        try await send(#"{"execute":"qmp_capabilities"}"#)
        #expect(try await nextLine() == #"{"error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}}"#)
        await client.close()
        await serving.value
    }

    @Test func servesARealUnixSocket() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        let simulator = SimulatedQEMU()
        let server = Task {
            for _ in 0..<2 { await simulator.serve(try await listener.accept()) }
        }
        for _ in 0..<2 {
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: path))
            #expect(try await client.execute("query-status")["status"] != nil)
            await client.disconnect()
        }
        try await server.value
        await listener.close()
    }
}
