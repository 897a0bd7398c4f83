import Foundation
import QMPMock
import QMPTestSupport
import QMPTypes
import Testing

@Suite("Decoding replies and events typed")
struct TypedDecodingTests {
    @Test("an enum value a newer QEMU adds decodes into the catch-all case and encodes back")
    func unknownEnumValue() throws {
        let status = try decode(StatusInfo.self, #"{"running": false, "singlestep": false, "status": "hibernating"}"#)
        #expect(status.status == .unknown("hibernating"))
        #expect(status.status != .running)
        #expect(try JSONValueEncoder().encode(status)["status"] == "hibernating")
        #expect(RunState(rawValue: "running") == .running)
    }

    @Test("members a newer QEMU adds are ignored")
    func newerMembersIgnored() throws {
        let status = try decode(StatusInfo.self, #"{"running": true, "singlestep": false, "status": "running", "since-9": {"x": 1}}"#)
        #expect(status.status == .running)
    }

    @Test("a member QEMU deprecates keeps its wire name through decode and encode")
    func deprecatedMember() throws {
        // `BlockIOThrottle.device` is `@available(*, deprecated)`; the JSON goes through it untouched.
        let json = #"{"device": "ide0", "id": "disk0", "bps": 1, "bps_rd": 2, "bps_wr": 3, "iops": 4, "iops_rd": 5, "iops_wr": 6}"#
        let throttle = try decode(BlockIOThrottle.self, json)
        #expect(throttle.id == "disk0")
        #expect(try JSONValueEncoder().encode(throttle) == JSONParser.parse(Array(json.utf8)))
    }

    @Test("a union branch a newer QEMU adds decodes as .unknown, keeping the common members")
    func unknownUnionBranch() throws {
        let options = try decode(BlockdevOptions.self, #"{"driver": "future-driver", "node-name": "n1"}"#)
        #expect(options.nodeName == "n1")
        guard case .unknown("future-driver") = options.branch else {
            Issue.record("expected the unknown branch, got \(options.branch)")
            return
        }
        let known = try decode(BlockdevOptions.self, #"{"driver": "null-co", "node-name": "n2", "size": 512}"#)
        guard case .nullCo(let null) = known.branch else {
            Issue.record("expected null-co, got \(known.branch)")
            return
        }
        #expect(null.size == 512)
        #expect(try JSONValueEncoder().encode(known) == ["driver": "null-co", "node-name": "n2", "size": 512])
    }

    @Test("an alternate picks its alternative by the JSON type")
    func alternates() throws {
        guard case .reference("node0") = try decode(BlockdevRef.self, #""node0""#) else {
            Issue.record("a string is a reference")
            return
        }
        guard case .definition(let options) = try decode(BlockdevRef.self, #"{"driver": "null-co", "node-name": "inline"}"#) else {
            Issue.record("an object is a definition")
            return
        }
        #expect(options.nodeName == "inline")
        guard case .n = try decode(StrOrNull.self, "null") else {
            Issue.record("null is the null alternative")
            return
        }
        #expect(throws: DecodingError.self) { try decode(StrOrNull.self, "5") }
    }

    @Test("every event in the recorded transcripts decodes typed and encodes back as sent")
    func transcriptEvents() throws {
        let directory = RegenerationTests.package + "/Tests/QMPMockTests/Transcripts"
        var decoded: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() where file.hasSuffix(".qmp") {
            for entry in try Transcript(contentsOf: directory + "/" + file).entries where entry.direction == .fromServer {
                guard let message = try entry.message(), message["event"] != nil else { continue }
                let event = try Event(message)
                let type = try #require(EventTypes.byName[event.name], "no type for \(event.name)")
                let value = try event.decodeData(as: type)
                let encodable = try #require(value as? any Encodable)
                #expect(try JSONValueEncoder().encode(encodable) == .object(event.data), "\(file): \(event.name)")
                decoded.append(event.name)
            }
        }
        #expect(Set(decoded).isSuperset(of: ["STOP", "RESUME", "JOB_STATUS_CHANGE", "BLOCK_JOB_COMPLETED", "SHUTDOWN"]))
    }

    @Test("a reply that does not fit the generated result fails typed, naming command and member path")
    func mismatchedReply() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        async let connected = client.connect(peer.transport)
        _ = try await peer.acceptNegotiation()
        _ = try await connected
        async let reply = outcome(client, QueryBlock())
        let command = try #require(try await peer.nextMessage())
        #expect(command["execute"] == "query-block")
        peer.reply(to: command, #"{"return": [{"device": "ide0", "locked": false, "removable": true, "type": "unknown"}, {"device": 7}]}"#)
        switch await reply {
        case .success:
            Issue.record("a device that is a number must not decode")
        case .failure(let error):
            #expect(error.code == .decodingFailed)
            #expect(error.command == "query-block")
            #expect(error.memberPath == "[1].device")
            #expect(error.value?[1]?["device"] == 7)
            #expect(error.message.contains("query-block") && error.message.contains("[1].device"), "\(error.message)")
        }
        await client.disconnect()
    }

    private func outcome<Command: QMPCommand>(_ client: QMPClient, _ command: Command) async -> Result<Command.Result, QMPError> {
        do throws(QMPError) {
            return .success(try await client.execute(command))
        } catch {
            return .failure(error)
        }
    }

    @Test("TypedEvents and TypedJobEvents read events as values")
    func typedPredicates() throws {
        let change = try Event(try Message(parsing: Array(
            #"{"event": "JOB_STATUS_CHANGE", "data": {"status": "concluded", "id": "job1"}, "timestamp": {"seconds": 1, "microseconds": 2}}"#.utf8)))
        let predicate = TypedEvents(JobStatusChangeEvent.self) && DataMemberEquals("id", "job1")
        #expect(predicate.accepts(change))
        #expect(try predicate.value(of: change).status == .concluded)
        let job = TypedJobEvents(id: "job1")
        #expect(job.accepts(change))
        #expect(!TypedJobEvents(id: "job2").accepts(change))
        guard case .statusChange(let value) = try job.value(of: change) else {
            Issue.record("JOB_STATUS_CHANGE is a status change")
            return
        }
        #expect(value.id == "job1")
        let wrong = try Event(try Message(parsing: Array(
            #"{"event": "JOB_STATUS_CHANGE", "data": {"status": 3, "id": "job1"}, "timestamp": {"seconds": 1, "microseconds": 2}}"#.utf8)))
        #expect { try job.value(of: wrong) } throws: { error in
            (error as? QMPError)?.memberPath == "status" && (error as? QMPError)?.value?["status"] == 3
        }
    }
}
