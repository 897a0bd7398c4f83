import QMP
import QMPMock
import QMPTestSupport
import Testing

// The code of the article "Porting the events tutorial" (Sources/QMP/QMP.docc/PortingTheEventsTutorial.md).
// Every `// snippet: NAME` … `// end snippet` region below is copied, verbatim but for
// indentation, into one ```swift block of the article; `TutorialArticleTests` fails when
// the two differ. The snippets run against `SimulatedQEMU`: `client` is connected to it,
// `src` and `dst` are null-co nodes where a backup needs them, and `#expect` stands for
// Python's `assert`.

// snippet: host-shutdown-predicate
/// The seed's `accept()` override, as a predicate: a `SHUTDOWN` the host asked for.
struct HostShutdown: EventPredicate {
    func accepts(_ event: Event) -> Bool {
        event.name == "SHUTDOWN" && event.data["guest"] == false
    }
}
// end snippet

// snippet: job-filter-function
/// The seed's `job_filter(job_id)`: a filter function made from a parameter.
func jobFilter(_ jobID: String) -> @Sendable (Event) -> Bool {
    { event in event.data["id"] == "\(jobID)" }
}
// end snippet

@Suite("The article's snippets, run against SimulatedQEMU", .timeLimit(.minutes(1)))
struct TutorialSnippetsTests {
    /// Runs `body` with a client connected to a fresh simulator, then disconnects.
    private func withClient(nodes: Bool = false, _ body: (QMPClient) async throws -> Void) async throws {
        let qemu = SimulatedQEMU()
        let client = QMPClient()
        try await client.connect(qemu.makeClientTransport())
        if nodes {
            for name in ["src", "dst"] {
                try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": "\(name)"])
            }
        }
        try await body(client)
        await client.disconnect()
    }

    /// Waits until a reader has taken every queued event from `listener` and waits for the next.
    private func untilDrained(_ listener: Listener<AllEvents>) async throws {
        try await waitUntil("a reader took every queued event and waits") { listener.isEmpty && listener.waitingReaderCount > 0 }
    }

    @Test func connecting() async throws {
        // snippet: connect
        let qemu = SimulatedQEMU()
        let client = QMPClient()
        try await client.connect(qemu.makeClientTransport())
        // end snippet
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func oneName() async throws {
        try await withClient { client in
            // snippet: one-name
            try await client.listener("STOP") { listener in
                try await client.execute("stop")
                let event = try await listener.get()
                #expect(event.name == "STOP")
            }
            // end snippet
        }
    }

    @Test func bodyResult() async throws {
        try await withClient { client in
            // snippet: body-result
            let stop = try await client.listener("STOP") { listener in
                try await client.execute("stop")
                return try await listener.get()
            }
            #expect(stop.name == "STOP")
            // end snippet
        }
    }

    @Test func severalNames() async throws {
        try await withClient { client in
            // snippet: several-names
            try await client.listener(["STOP", "RESUME"]) { listener in
                try await client.execute("stop")
                #expect(try await listener.get().name == "STOP")

                try await client.execute("cont")
                #expect(try await listener.get().name == "RESUME")
            }
            // end snippet
        }
    }

    @Test func allEvents() async throws {
        try await withClient { client in
            // snippet: all-events
            try await client.listener { listener in
                try await client.execute("stop")
                #expect(try await listener.get().name == "STOP")
            }
            // end snippet
        }
    }

    @Test func timeouts() async throws {
        try await withClient { client in
            // snippet: get-timeout
            try await client.listener("STOP") { stops in
                try await client.execute("stop", timeout: .seconds(5))
                let event = try await stops.get(timeout: .seconds(5))
                #expect(event.name == "STOP")

                do throws(QMPError) {
                    let another = try await stops.get(timeout: .milliseconds(20))
                    Issue.record("the guest stopped twice: \(another)")
                } catch {
                    #expect(error.code == .timedOut)
                }
            }
            // end snippet
        }
    }

    @Test func iteration() async throws {
        try await withClient { client in
            // snippet: iteration
            try await client.listener { listener in
                try await client.execute("stop")
                try await client.execute("cont")
                var arrived: [String] = []
                for try await event in listener {
                    arrived.append(event.name)
                    if event.name == "RESUME" { break }
                }
                #expect(arrived == ["STOP", "RESUME"])
            }
            // end snippet
        }
    }

    @Test func iterationIsRepeatedGet() async throws {
        try await withClient { client in
            // snippet: iteration-as-get
            try await client.listener { listener in
                try await client.execute("stop")
                while true {
                    let event = try await listener.get()
                    if event.name == "STOP" { break }
                }
            }
            // end snippet
        }
    }

    @Test func taskAndCancellation() async throws {
        try await withClient { client in
            try await client.listener { listener in
                // snippet: task-cancellation
                let printer = Task {
                    var arrived: [String] = []
                    do throws(QMPError) {
                        for try await event in listener { arrived.append(event.name) }
                    } catch {
                        // Cancelling the task ends the loop with QMPError code .cancelled.
                        #expect(error.code == .cancelled)
                    }
                    return arrived
                }
                try await client.execute("stop")
                try await client.execute("cont")
                // end snippet
                try await untilDrained(listener)
                // snippet: task-cancellation-end
                printer.cancel()
                #expect(await printer.value == ["STOP", "RESUME"])
                // end snippet
            }
        }
    }

    @Test func registerAndRemove() async throws {
        try await withClient { client in
            // snippet: register-remove
            let listener = Listener()
            try client.register(listener)
            let reader = Task {
                var arrived: [String] = []
                for try await event in listener {
                    arrived.append(event.name)
                    if arrived.count == 2 { break }
                }
                return arrived
            }
            try await client.execute("stop")
            try await client.execute("cont")
            #expect(try await reader.value == ["STOP", "RESUME"])

            try client.remove(listener)
            try await client.execute("stop")
            #expect(listener.isEmpty)   // removed: it hears nothing, and can be registered again
            // end snippet
        }
    }

    @Test func builtInListener() async throws {
        try await withClient { client in
            // snippet: builtin-events
            let watcher = Task {
                var arrived: [String] = []
                for try await event in client.events {
                    arrived.append(event.name)
                    if event.name == "RESUME" { break }
                }
                return arrived
            }
            try await client.execute("stop")
            try await client.execute("cont")
            #expect(try await watcher.value == ["STOP", "RESUME"])
            // end snippet
        }
    }

    @Test func getAndIterationShareAQueue() async throws {
        try await withClient { client in
            // snippet: get-and-iteration
            try await client.listener { listener in
                try await client.execute("stop")
                try await client.execute("cont")
                let first = try await listener.get()
                for try await second in listener {
                    #expect([first.name, second.name] == ["STOP", "RESUME"])
                    break
                }
                #expect(listener.isEmpty)
            }
            // end snippet
        }
    }

    @Test func multipleListeners() async throws {
        try await withClient { client in
            // snippet: multiple-listeners
            let mine = Listener()
            try client.register(mine)

            try await client.execute("stop")
            let copy1 = try await mine.get()
            let copy2 = try await client.events.get()
            #expect(copy1 == copy2)
            // end snippet
            try client.remove(mine)
        }
    }

    @Test func clearing() async throws {
        try await withClient { client in
            // snippet: clear
            try await client.execute("stop")
            client.events.clear()
            try await client.execute("cont")
            let event = try await client.events.get()
            #expect(event.name == "RESUME")
            // end snippet
        }
    }

    @Test func history() async throws {
        try await withClient { client in
            // snippet: history
            try await client.execute("stop")
            try await client.execute("cont")
            client.events.clear()

            #expect(client.events.history.count == 2)
            #expect(client.events.history[0].name == "STOP")
            #expect(client.events.history[1].name == "RESUME")
            // end snippet
        }
    }

    @Test func encodableArguments() async throws {
        try await withClient { client in
            // snippet: encodable-arguments
            struct NullNode: Encodable {
                var driver = "null-co"
                var nodeName: String
                enum CodingKeys: String, CodingKey { case driver, nodeName = "node-name" }
            }
            for name in ["src", "dst"] {
                try await client.execute("blockdev-add", arguments: NullNode(nodeName: name))
            }
            // end snippet
            do throws(QMPError) {
                try await client.execute("blockdev-add", arguments: NullNode(nodeName: "src"))
                Issue.record("a second node named src was added")
            } catch {
                #expect(error.errorDescription == "Duplicate nodes with node-name='src'")
            }
        }
    }

    @Test func filter() async throws {
        try await withClient(nodes: true) { client in
            // snippet: filter
            try await client.listener("JOB_STATUS_CHANGE", where: { $0.data["id"] == "job1" }) { listener in
                try await client.execute("blockdev-backup", arguments: [
                    "job-id": "job1", "device": "src", "target": "dst", "sync": "full",
                ])
                for try await event in listener where event.data["status"] == "concluded" {
                    break
                }
            }
            // end snippet
        }
    }

    @Test func parameterisedFilter() async throws {
        try await withClient(nodes: true) { client in
            // snippet: parameterised-filter
            struct JobStatusChange: Decodable { var id: String; var status: String }

            let jobID = "job2"
            try await client.listener("JOB_STATUS_CHANGE", where: jobFilter(jobID)) { listener in
                try await client.execute("blockdev-backup", arguments: [
                    "job-id": "\(jobID)", "device": "src", "target": "dst", "sync": "full",
                ])
                for try await event in listener {
                    let change = try event.decodeData(as: JobStatusChange.self)
                    #expect(change.id == jobID)
                    if change.status == "concluded" { break }
                }
            }
            // end snippet
        }
    }

    @Test func listenWithAnExistingListener() async throws {
        try await withClient(nodes: true) { client in
            // snippet: listen-existing
            let listener = Listener(EventNames([
                "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR",
                "BLOCK_JOB_READY", "BLOCK_JOB_PENDING", "JOB_STATUS_CHANGE",
            ]))
            try await client.listen(listener) {
                try await client.execute("blockdev-backup", arguments: [
                    "job-id": "job3", "device": "src", "target": "dst", "sync": "full",
                ])
                for try await event in listener where event.name == "BLOCK_JOB_COMPLETED" {
                    break
                }
            }
            #expect(listener.isEmpty)   // what was left unread is cleared on leaving the body
            // end snippet
        }
    }

    @Test func listenWithSeveralListeners() async throws {
        try await withClient(nodes: true) { client in
            // snippet: listen-several
            let jobA: Listener<NamesAndFilter> = Listener(EventNames("JOB_STATUS_CHANGE") && EventFilter(jobFilter("jobA")))
            let jobB: Listener<NamesAndFilter> = Listener(EventNames("JOB_STATUS_CHANGE") && EventFilter(jobFilter("jobB")))

            try await client.listen(jobA, jobB) {
                for job in ["jobA", "jobB"] {
                    try await client.execute("blockdev-backup", arguments: [
                        "job-id": "\(job)", "device": "src", "target": "dst", "sync": "full",
                    ])
                }
                for try await event in jobA where event.data["status"] == "concluded" { break }
                for try await event in jobB where event.data["status"] == "concluded" { break }
            }
            // end snippet
        }
    }

    @Test func jobEvents() async throws {
        try await withClient(nodes: true) { client in
            // snippet: job-events
            try await client.listener(JobEvents(id: "job4")) { listener in
                try await client.execute("blockdev-backup", arguments: [
                    "job-id": "job4", "device": "src", "target": "dst", "sync": "full",
                ])
                for try await event in listener where event.name == "BLOCK_JOB_COMPLETED" {
                    break
                }
            }
            // end snippet
        }
    }

    @Test func customPredicate() async throws {
        try await withClient { client in
            // snippet: host-shutdown
            try await client.listener(HostShutdown()) { listener in
                try await client.execute("quit")
                let event = try await listener.get()
                #expect(event.data["reason"] == "host-qmp-quit")
            }
            // end snippet
        }
    }
}
