import Dispatch
import QMP
import QMPMock
import QMPTestSupport
import QMPCore
import Synchronization
import Testing

/// A serial executor on a dispatch queue that counts the jobs it is given, and can tell
/// whether the current code runs on it.
private final class CountingExecutor: SerialExecutor {
    private static let key = DispatchSpecificKey<ObjectIdentifier>()
    private let queue = DispatchQueue(label: "counting-executor")
    private let jobs = Atomic<Int>(0)

    init() {
        queue.setSpecific(key: Self.key, value: ObjectIdentifier(self))
    }

    var jobCount: Int { jobs.load(ordering: .sequentiallyConsistent) }

    /// Whether the caller runs on this executor's queue.
    var isCurrent: Bool { DispatchQueue.getSpecific(key: Self.key) == ObjectIdentifier(self) }

    func enqueue(_ job: consuming ExecutorJob) {
        jobs.add(1, ordering: .sequentiallyConsistent)
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}

/// What a user's VM manager looks like: an actor that owns the client.
private actor Manager {
    let executor = CountingExecutor()
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Reads `count` events that are already queued; returns the jobs the executor was given meanwhile.
    func readQueued(_ count: Int, from listener: Listener<AllEvents>) async throws -> Int {
        let before = executor.jobCount
        for _ in 0..<count { _ = try await listener.get() }
        return executor.jobCount - before
    }

    func iterateQueued(_ count: Int, from listener: Listener<AllEvents>) async throws -> Int {
        let before = executor.jobCount
        var read = 0
        for try await _ in listener {
            read += 1
            if read == count { break }
        }
        return executor.jobCount - before
    }

    /// Runs one command; returns the jobs the executor was given for it.
    func execute(on client: QMPClient) async throws -> Int {
        let before = executor.jobCount
        _ = try await client.execute("query-status")
        return executor.jobCount - before
    }
}

/// Records whether each inline write ran on the manager's executor.
private final class WatchedTransport: Transport {
    private let base: InProcessTransport
    private let executor: CountingExecutor
    let writesOnExecutor = Lock<[Bool]>([])

    init(_ base: InProcessTransport, executor: CountingExecutor) {
        self.base = base
        self.executor = executor
    }

    func sendImmediately(_ bytes: [UInt8]) -> Int {
        writesOnExecutor.withLock { $0.append(executor.isCurrent) }
        base.write(bytes)
        return bytes.count
    }

    func send(_ bytes: [UInt8]) async throws { try await base.send(bytes) }
    func receive() async throws -> [UInt8]? { try await base.receive() }
    func close() async { await base.close() }
}

/// Callers on an actor stay on it: no hop to the global pool and back per call.
@Suite("Calls run on the caller's executor", .timeLimit(.minutes(1)))
struct CallerExecutorTests {
    @Test func queuedEventsAreReadWithoutLeavingTheActor() async throws {
        let (client, peer) = try await connectedClient()
        let listener = Listener(AllEvents())
        try client.register(listener)
        for index in 0..<100 {
            peer.send(#"{"event": "STOP", "data": {"n": \#(index)}, "timestamp": {"seconds": 1, "microseconds": 2}}"#)
        }
        // Wait until every event is queued, so no read has to wait.
        for try await event in client.events where event.data["n"] == 99 { break }
        #expect(listener.count == 100)
        let manager = Manager()
        #expect(try await manager.readQueued(50, from: listener) == 0, "get() of a queued event hopped")
        #expect(try await manager.iterateQueued(50, from: listener) == 0, "iteration over queued events hopped")
        await client.disconnect()
    }

    @Test func aCommandIsWrittenOnTheActorAndResumesItOnce() async throws {
        let manager = Manager()
        let peer = ScriptedPeer()
        let transport = WatchedTransport(peer.transport, executor: manager.executor)
        let client = QMPClient()
        async let greeting = client.connect(transport)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        let server = Task {
            while let command = try await peer.nextMessage() { peer.reply(to: command, #"{"return": {}}"#) }
        }
        transport.writesOnExecutor.withLock { $0 = [] }
        var jobs: [Int] = []
        for _ in 0..<10 { jobs.append(try await manager.execute(on: client)) }
        #expect(transport.writesOnExecutor.withLock { $0 } == Array(repeating: true, count: 10),
                "the command was written off the caller's executor")
        // The reply resumes the actor once; a hop out and back would be a second job.
        #expect(jobs.allSatisfy { $0 <= 1 }, "\(jobs)")
        await client.disconnect()
        server.cancel()
    }

    @Test func iterationThrowsQMPErrorItself() async throws {
        let (client, _) = try await connectedClient()
        let listener = Listener(AllEvents())
        try client.register(listener)
        let reader = Task { () -> QMPError.Code? in
            do throws(QMPError) {
                for try await _ in listener {}
                return nil
            } catch {
                // Typed: iteration throws QMPError, so its code needs no cast.
                return error.code
            }
        }
        try await waitUntil("the iteration waits") { listener.waitingReaderCount > 0 }
        reader.cancel()
        #expect(await reader.value == .cancelled)
        await client.disconnect()
    }
}
