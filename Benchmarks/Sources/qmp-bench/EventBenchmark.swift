import QMP
import QMPMock
import QMPTransportUnix

/// Scenario 2: events delivered to 1, 10 or 100 listeners, from a flooding peer or a replay.
enum EventBenchmark {
    /// Connects, registers `listeners` listeners, and measures until FLOOD_END has been read.
    /// `caller` and `read` say where the consumer's loop runs and how it reads (Callers.swift).
    static func run(source: String, transport: some Transport, events: Int, listeners: Int,
                    caller: Caller = .nonisolated, read: ReadStyle = .get) async throws {
        let client = QMPClient()
        // The consumer's own listener: every event, read one by one with get().
        let consumer = Listener(policy: .unbounded, historyLimit: 0)
        try client.register(consumer)
        // The others filter by name and data, buffering a little, as watchers of one job would.
        for index in 1..<max(1, listeners) {
            let filter = EventNames(["JOB_STATUS_CHANGE", "FLOOD_END"]) && DataMemberEquals("id", .string(index % 2 == 0 ? "job0" : "job1"))
            try client.register(Listener(filter, policy: .bufferingNewest(64), historyLimit: 0))
        }
        let cpuBefore = Measure.processCPUSeconds
        let (received, elapsed) = switch caller {
        case .nonisolated: try await NonisolatedCaller.connectAndRead(client, transport, consumer, read)
        case .mainActor: try await MainActorCaller.connectAndRead(client, transport, consumer, read)
        case .actor: try await VMManager(client: client).connectAndRead(transport, consumer, read)
        }
        let cpu = Measure.processCPUSeconds - cpuBefore
        await client.disconnect()
        Measure.report([
            "scenario": "events", "source": source, "listeners": listeners, "events": received,
            "caller": caller.rawValue, "read": read.rawValue,
            "events_per_s": Double(received) / elapsed, "cpu_ns_per_event": cpu * 1e9 / Double(max(1, received)),
        ])
    }

    /// A transcript of a greeting, negotiation and `events` events, replayed in process.
    static func replayTranscript(events: Int) throws -> Transcript {
        let line = String(decoding: ParseBenchmark.eventLine, as: UTF8.self)
        var entries: [Transcript.Entry] = [
            .init(direction: .fromServer, text: #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#),
            .init(direction: .fromClient, text: #"{"execute":"qmp_capabilities","id":"swift-qmp-1"}"#),
            .init(direction: .fromServer, text: #"{"return": {}, "id": "swift-qmp-1"}"#),
        ]
        entries.reserveCapacity(events + 4)
        for _ in 0..<events { entries.append(.init(direction: .fromServer, text: line)) }
        entries.append(.init(direction: .fromServer, text: #"{"timestamp": {"seconds": 1, "microseconds": 1}, "event": "FLOOD_END"}"#))
        return Transcript(entries: entries)
    }
}
