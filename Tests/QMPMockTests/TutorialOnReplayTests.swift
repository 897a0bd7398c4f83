import QMP
import QMPMock
import Testing

/// The seed tutorial's examples, run deterministically on transcripts recorded from QEMU 7.2.
@Suite("Tutorial examples on replays", .timeLimit(.minutes(1)))
struct TutorialOnReplayTests {
    private func replaying(_ name: String, _ body: (QMPClient) async throws -> Void) async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load(name))
        let qmp = QMPClient()
        try await qmp.connect(replay)
        try await body(qmp)
        await qmp.disconnect()
        try replay.verifyCompleted()
    }

    private func stopContStatus(_ qmp: QMPClient) async throws {
        try await qmp.execute("stop")
        try await qmp.execute("cont")
        _ = try await qmp.execute("query-status")
    }

    @Test func listenerWithNamesOnTheReplay() async throws {
        try await replaying("stop-cont") { qmp in
            try await qmp.listener(["STOP", "RESUME"] as EventNames) { listener in
                try await stopContStatus(qmp)
                #expect(try await listener.get().name == "STOP")
                #expect(try await listener.get().name == "RESUME")
            }
        }
    }

    @Test func multipleListenersClearAndHistoryOnTheReplay() async throws {
        try await replaying("stop-cont") { qmp in
            let mine = Listener()
            try qmp.register(mine)
            try await stopContStatus(qmp)
            #expect(try await mine.get() == qmp.events.get())
            qmp.events.clear()
            #expect(qmp.events.history.map(\.name) == ["STOP", "RESUME"])
            try qmp.remove(mine)
        }
    }

    @Test func jobFilterAndJobEventsOnTheReplay() async throws {
        try await replaying("backup-job") { qmp in
            try await qmp.listener(EventNames("JOB_STATUS_CHANGE") && DataMemberEquals("id", "job0")) { filtered in
                try await qmp.listener(JobEvents(id: "job0")) { job in
                    for node in ["src", "dst"] {
                        try await qmp.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": .string(node), "size": 1_048_576])
                    }
                    try await qmp.execute("blockdev-backup", arguments: ["job-id": "job0", "device": "src", "target": "dst", "sync": "full"])
                    var statuses: [String] = []
                    for try await event in filtered {
                        statuses.append(event.data["status"]?.stringValue ?? "?")
                        if statuses.last == "null" { break }
                    }
                    #expect(statuses == ["created", "running", "paused", "running", "waiting", "pending", "concluded", "null"])
                    #expect(job.history.contains { $0.name == "BLOCK_JOB_COMPLETED" })
                }
            }
        }
    }
}
