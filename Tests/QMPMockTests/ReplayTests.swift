import QMP
import QMPMock
import QMPCore
import QMPTestSupport
import Synchronization
import Testing

@Suite("Replay transport", .timeLimit(.minutes(1)))
struct ReplayTests {
    @Test func replaysNegotiationAndReplies() async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load("negotiation"))
        let client = QMPClient()
        let greeting = try await client.connect(replay)
        #expect(greeting.version.major == 7)
        let version = try await client.execute("query-version")
        #expect(version["qemu"]?["minor"] == 2)
        await client.disconnect()
        try replay.verifyCompleted()
    }

    @Test func interleavingIsTheSameEveryRun() async throws {
        var runs: [[String]] = []
        for _ in 0..<5 {
            let lines = Lock<[String]>([])
            var configuration = QMPClient.Configuration()
            configuration.trace = { record in
                if record.direction == .received { lines.withLock { $0.append(record.text) } }
            }
            let replay = try ReplayTransport(transcript: Transcripts.load("stop-cont"))
            let client = QMPClient(configuration: configuration)
            try await client.connect(replay)
            try await client.execute("stop")
            try await client.execute("cont")
            _ = try await client.execute("query-status")
            await client.disconnect()
            runs.append(lines.withLock { $0 })
        }
        #expect(runs.allSatisfy { $0 == runs[0] })
        #expect(runs[0].count == 7)
        #expect(runs[0][2].contains("STOP"), "STOP comes before stop's return, as QEMU sent it")
    }

    /// The client's command can land after `receive()` found it must wait for it and before
    /// the wait began (seen once: a Python client hung on a replay under ThreadSanitizer).
    @Test func aCommandThatLandsJustBeforeTheWaitIsNotMissed() async throws {
        let replay = try ReplayTransport(transcript: Transcript(parsing: """
            # swift-qmp transcript 1
            <- {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
            -> {"execute":"qmp_capabilities","id":"0"}
            <- {"return": {}, "id": "0"}
            """))
        let greeting = try await replay.receive()
        #expect(greeting.map { String(decoding: $0, as: UTF8.self) }?.contains("QMP") == true)
        let sent = Lock(false)
        replay.beforeWaitingForClient.withLock { hook in
            // Weak: the replay keeps its hook.
            hook = { [weak replay] in
                guard let replay, !sent.withLock({ sent in defer { sent = true }; return sent }) else { return }
                try? await replay.send(Array(#"{"execute":"qmp_capabilities","id":"0"}"#.utf8) + [13, 10])
            }
        }
        let reply = try await replay.receive()
        let cameInTheWindow = sent.withLock { $0 }
        #expect(cameInTheWindow, "the command came in the window")
        #expect(reply.map { String(decoding: $0, as: UTF8.self) }?.contains(#""return": {}"#) == true)
        try replay.verifyCompleted()
    }

    @Test func idsAreNormalisedAndArgumentOrderIgnored() async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load("backup-job"))
        let client = QMPClient()
        try await client.connect(replay)
        // Different ids and member order than recorded.
        let first = try await client.executeMessage(Message(["id": "mine-1", "execute": "blockdev-add", "arguments": ["size": 1_048_576, "node-name": "src", "driver": "null-co"]]))
        #expect(first.id == "mine-1")
        let second = try await client.executeMessage(Message(["execute": "blockdev-add", "id": "mine-2", "arguments": ["node-name": "dst", "driver": "null-co", "size": 1_048_576]]))
        #expect(second.id == "mine-2")
        try await client.execute("blockdev-backup", arguments: ["sync": "full", "target": "dst", "device": "src", "job-id": "job0"])
        await client.disconnect()
        try replay.verifyCompleted()
    }

    /// Whether a command goes with an id depends on what else is in flight, so a recording
    /// and its replay may differ there; replies follow the client's choice either way.
    @Test func commandsRecordedWithoutIDsReplayWithThemAndTheOtherWayRound() async throws {
        let transcript = try Transcript(parsing: """
            # swift-qmp transcript 1
            <- {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
            -> {"execute":"qmp_capabilities","id":"0"}
            <- {"return": {}, "id": "0"}
            -> {"execute":"query-name"}
            <- {"return": {"name": "vm1"}}
            -> {"execute":"query-status","id":"7"}
            <- {"return": {"status": "running", "running": true}, "id": "7"}
            """)
        let replay = try ReplayTransport(transcript: transcript)
        let client = QMPClient()
        try await client.connect(replay)
        let name = try await client.executeMessage(Message(["execute": "query-name", "id": "mine"]))
        #expect(name.id == "mine")
        #expect(name["return"]?["name"] == "vm1")
        let status = try await client.executeMessage(Message(["execute": "query-status"]))
        #expect(status.id == nil)
        #expect(status["return"]?["running"] == true)
        await client.disconnect()
        try replay.verifyCompleted()
    }

    @Test func aMismatchFailsWithADiff() async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load("stop-cont"))
        let client = QMPClient()
        try await client.connect(replay)
        do {
            try await client.execute("cont")
            Issue.record("a command that differs from the recording succeeded")
        } catch {
            #expect(error.code == .replayMismatch)
            #expect(error.message.contains("entry 4"))
            #expect(error.message.contains(#"expected: -> {"execute":"stop""#))
            #expect(error.message.contains(#"sent:     -> {"execute":"cont""#))
        }
        #expect(replay.mismatch != nil)
        #expect(throws: QMPError.self) { try replay.verifyCompleted() }
    }

    @Test func anIncompleteReplayIsReported() async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load("stop-cont"))
        let client = QMPClient()
        try await client.connect(replay)
        try await client.execute("stop")
        await client.disconnect()
        do {
            try replay.verifyCompleted()
            Issue.record("verified an incomplete replay")
        } catch {
            #expect(error.message.contains("did not send 2"))
        }
    }

    /// Found in review: a recording that ends with the client's message was reported as
    /// undelivered server messages once that message was sent.
    @Test func aRecordingEndingWithTheClientsMessageCompletesWhenItIsSent() async throws {
        let replay = try ReplayTransport(text: """
            <- {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
            -> {"execute":"qmp_capabilities"}
            """)
        _ = try #require(try await replay.receive())
        try await replay.send(Array(#"{"execute":"qmp_capabilities"}"#.utf8))
        try replay.verifyCompleted()
    }

    /// A mismatch names the transcript's entry, counting the client's 0xFF entries, which
    /// are not compared.
    @Test func aMismatchNamesTheEntryPastTheClientsDelimiters() async throws {
        let replay = try ReplayTransport(text: """
            -> 0xFF
            -> {"execute":"guest-ping"}
            """)
        try await replay.send([0xFF] + Array(#"{"execute":"guest-info"}"#.utf8))
        #expect(replay.mismatch?.message.contains("at entry 2:") == true)
        #expect(throws: QMPError.self) { try replay.verifyCompleted() }
    }

    @Test func quitEndsWithTheRecordedEndOfStream() async throws {
        let replay = try ReplayTransport(transcript: Transcripts.load("quit"))
        let client = QMPClient()
        try await client.connect(replay)
        try await client.execute("quit")
        #expect(try await client.events.get().name == "SHUTDOWN")
        for await state in client.runStates() where state == .idle { break }
        #expect(client.lastError?.code == .disconnected)
        try replay.verifyCompleted()
    }

    @Test func replaysTheLargeSchemaAndErrors() async throws {
        let schemaReplay = try ReplayTransport(transcript: Transcripts.load("schema"))
        let client = QMPClient()
        try await client.connect(schemaReplay)
        #expect(try await client.execute("query-qmp-schema").arrayValue?.count ?? 0 > 1_000)
        await client.disconnect()

        let errorsReplay = try ReplayTransport(transcript: Transcripts.load("errors"))
        let other = QMPClient()
        try await other.connect(errorsReplay)
        do {
            try await other.execute("no-such-command")
        } catch {
            #expect(error.errorClass == "CommandNotFound")
        }
        do {
            try await other.execute("blockdev-del", arguments: ["node-name": "missing"])
        } catch {
            #expect(error.errorDescription == "Failed to find node with node-name='missing'")
        }
        do {
            try await other.execute("blockdev-add", arguments: ["driver": "null-co"])
        } catch {
            #expect(error.errorClass == "GenericError")
        }
        await other.disconnect()
        try errorsReplay.verifyCompleted()
    }

    /// Found in review: the client's own pause before a command (100 s here) was played
    /// again as the server's before the reply. The timeout tells the two apart with room to
    /// spare for a sanitizer run on a loaded machine (5 s against a 10 s pause was too tight).
    @Test func recordedTimingDoesNotReplayTheClientsPause() async throws {
        let replay = try ReplayTransport(text: """
            <- @0 {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
            -> @100 {"execute":"qmp_capabilities","id":"a"}
            <- @100.001 {"return": {}, "id": "a"}
            """, timing: .recorded)
        let client = QMPClient()
        try await client.connect(replay, timeout: .seconds(30))
        await client.disconnect()
    }

    /// Found in review: `close()` left a receive waiting out a recorded gap until it ended.
    @Test func closeEndsAReceiveWaitingOutAGap() async throws {
        let replay = try ReplayTransport(text: """
            <- @0 {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
            <- @100000 {"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 0}}
            """, timing: .recorded)
        _ = try #require(try await replay.receive())
        let waiting = Task { try await replay.receive() }
        try await waitUntil("the receive waits out the gap") { replay.isWaitingOutAGap }
        await replay.close()
        #expect(try await waiting.value == nil)
    }

    @Test func recordedTimingIsHonoured() async throws {
        let text = """
        <- {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}
        -> {"execute":"qmp_capabilities","id":"a"}
        <- @0.0 {"return": {}, "id": "a"}
        <- @0.2 {"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 0}}
        """
        let replay = try ReplayTransport(text: text, timing: .recorded)
        let client = QMPClient()
        // Timed from before connecting: the recorded gap lies between the reply and the event,
        // so it must have passed by then however late this task resumes.
        let clock = ContinuousClock()
        let start = clock.now
        try await client.connect(replay)
        #expect(try await client.events.get().name == "STOP")
        // A lower bound only: the replay must wait at least the recorded gap.
        #expect(clock.now - start >= .milliseconds(150))
        await client.disconnect()
    }
}
