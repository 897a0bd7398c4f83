import QMP
import QMPTestSupport
import QMPTransportUnix
import QMPTypes
import Testing

@Suite("Typed commands and events against real QEMU 7.2", .serialized, .requiresQEMU, .timeLimit(.minutes(3)))
struct RealQEMUTypedTests {
    @Test("query-status runs typed: a StatusInfo whose status is .running")
    func queryStatus() async throws {
        try await withQEMU { qmp in
            let status = try await qmp.execute(QueryStatus())
            #expect(status.status == .running)
            #expect(status.running)
        }
    }

    @Test("every query-* command that needs no argument runs typed, and its reply decodes and encodes back as sent")
    func everyArgumentlessQuery() async throws {
        try await withQEMU { qmp in
            let schema = try await qmp.execute("query-qmp-schema")
            #expect(Set(argumentlessQueries.map { type(of: $0).name }) == argumentlessQueryNames(inSchema: schema))
            var decoded = 0
            for command in argumentlessQueries {
                if try await roundTrip(command, qmp) { decoded += 1 }
            }
            // On `-machine none` a few refuse (no SEV, no balloon, no KVM dirty limit...); most answer.
            #expect(decoded >= 45, "only \(decoded) of \(argumentlessQueries.count) answered")
        }
    }

    /// Runs `command` typed, then untyped: the untyped reply must decode and encode back to itself.
    /// Returns `false` when QEMU refuses the command on this machine (both ways alike).
    private func roundTrip<Command: QMPCommand>(_ command: Command, _ qmp: QMPClient) async throws -> Bool {
        let refused: Bool
        do {
            _ = try await qmp.execute(command)
            refused = false
        } catch {
            // Only QEMU itself may refuse; a typed decode failure is a test failure.
            guard error.code == .commandFailed else { throw error }
            refused = true
        }
        if refused {
            await #expect(throws: QMPError.self) { try await qmp.execute(Command.name) }
            return false
        }
        let raw = try await qmp.execute(Command.name)
        let decoded = try JSONValueDecoder().decode(Command.Result.self, from: raw)
        let encodable = try #require(decoded as? any Encodable, "\(Command.Result.self) is not Encodable")
        let reencoded = try JSONValueEncoder().encode(encodable)
        let difference = jsonDifference(reencoded, raw)
        #expect(difference == nil, "\(Command.name) encodes back differently at \(difference ?? "")")
        return true
    }

    @Test("the backup job runs typed: blockdev-add, blockdev-backup, JOB_STATUS_CHANGE until concluded")
    func typedBackupJob() async throws {
        try await withQEMU { qmp in
            for node in ["src", "dst"] {
                try await qmp.execute(BlockdevAdd(BlockdevOptions(nodeName: node, branch: .nullCo(BlockdevOptionsNull(size: 1_048_576)))))
            }
            let nodes = try await qmp.execute(QueryNamedBlockNodes())
            #expect(Set(nodes.compactMap(\.nodeName)) == ["src", "dst"])
            try await qmp.listener(TypedEvents(JobStatusChangeEvent.self) && DataMemberEquals("id", "job1")) { listener in
                try await qmp.execute(BlockdevBackup(jobID: "job1", device: "src", sync: .full, target: "dst"))
                var statuses: [JobStatus] = []
                while statuses.last != .concluded {
                    let change = try await listener.nextValue(timeout: .seconds(30))
                    #expect(change.id == "job1")
                    statuses.append(change.status)
                }
                #expect(statuses.first == .created)
                #expect(statuses.contains(.running))
            }
        }
    }

    @Test("a reply that does not fit fails with decodingFailed naming the command and member, the reply kept untyped")
    func mismatchedReply() async throws {
        try await withQEMU { qmp in
            let error = await #expect(throws: QMPError.self) { try await qmp.execute(QueryStatusAsNumbers()) }
            #expect(error?.code == .decodingFailed)
            #expect(error?.command == "query-status")
            #expect(error?.memberPath == "running")
            #expect(error?.value?["status"] == "running")
            #expect(error?.message.contains("'running'") == true)
        }
    }

    /// `query-status` with a result that does not match what QEMU sends.
    struct QueryStatusAsNumbers: QMPCommand {
        static let name = "query-status"
        struct Result: Decodable, Sendable { var running: Int }
    }

    private func withQEMU(_ body: (QMPClient) async throws -> Void) async throws {
        try await QEMUInstance.with { qemu in
            let qmp = QMPClient()
            try await qmp.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            do {
                try await body(qmp)
            } catch {
                await qmp.disconnect()
                throw error
            }
            await qmp.disconnect()
        }
    }
}
