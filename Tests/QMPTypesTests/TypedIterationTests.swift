import QMPMock
import QMPTypes
import Testing

/// `for try await` over a typed listener's values, found missing by trying the API as a
/// user (a typed listener iterated untyped `Event`s; `nextValue()` needed a `while` loop).
@Suite("Typed iteration", .timeLimit(.minutes(1)))
struct TypedIterationTests {
    @Test("a job's events iterate as typed values, in order, until the loop breaks")
    func jobEventsAsValues() async throws {
        let client = QMPClient()
        try await client.connect(SimulatedQEMU().makeClientTransport())
        for node in ["src", "dst"] {
            try await client.execute(BlockdevAdd(BlockdevOptions(nodeName: node, branch: .nullCo(BlockdevOptionsNull(size: 1 << 20)))))
        }
        var statuses: [JobStatus] = []
        var completedLength: Int64?
        try await client.listener(TypedJobEvents(id: "job1")) { job in
            try await client.execute(BlockdevBackup(jobID: "job1", device: "src", sync: .full, target: "dst"))
            for try await value in job.values {
                switch value {
                case .statusChange(let change): statuses.append(change.status)
                case .completed(let completed): completedLength = completed.len
                default: break
                }
                if statuses.last == .null { break }
            }
        }
        #expect(statuses.first == .created && statuses.last == .null, "\(statuses)")
        #expect(statuses.contains(.concluded))
        #expect(completedLength != nil)
        await client.disconnect()
    }

    @Test("the values end with the session, as the listener's iteration does")
    func valuesEndWithTheSession() async throws {
        let client = QMPClient()
        try await client.connect(SimulatedQEMU().makeClientTransport())
        let count = try await client.listener(TypedEvents(StopEvent.self)) { stops in
            try await client.execute("stop")
            try await client.execute("quit")
            var count = 0
            for try await _ in stops.values { count += 1 }
            return count
        }
        #expect(count == 1)
    }
}
