@testable import QMP
import Synchronization
import Testing

/// A peer behind a ``PollingTransport`` that answers each command as it is
/// written, and whose reader wakeups can be withheld: with `wakesReader` off,
/// the client's reader task, once parked, never reads again, so only a caller
/// polling for its reply can get it.
private final class PollablePeer: PollingTransport {
    private struct State {
        var inbox: [[UInt8]] = []
        var framer = MessageFramer()
        var parkedReaders: [CheckedContinuation<Void, Never>] = []
        var isClosed = false
    }

    private let state: Mutex<State>
    private let wakesReader: Bool
    /// What the peer sends for each command, given its id; QEMU-like framing is added.
    private let answer: @Sendable (JSONValue?) -> [String]

    init(wakesReader: Bool, answer: @escaping @Sendable (JSONValue?) -> [String] = PollablePeer.returnEmpty) {
        let greeting = #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#
        state = Mutex(State(inbox: [Array(greeting.utf8) + [13, 10]]))
        self.wakesReader = wakesReader
        self.answer = answer
    }

    static let returnEmpty: @Sendable (JSONValue?) -> [String] = { id in
        [#"{"return": {}, "id": \#(id.map { "\($0)" } ?? "null")}"#]
    }

    var parkedReaderCount: Int { state.withLock { $0.parkedReaders.count } }

    func sendImmediately(_ bytes: [UInt8]) -> Int {
        let wake = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.framer.append(bytes)
            while let frame = try? state.framer.nextFrame(), let command = try? Message(parsing: frame) {
                for line in answer(command.id) { state.inbox.append(Array(line.utf8) + [13, 10]) }
            }
            guard wakesReader else { return [] }
            defer { state.parkedReaders = [] }
            return state.parkedReaders
        }
        for reader in wake { reader.resume() }
        return bytes.count
    }

    func send(_ bytes: [UInt8]) async throws { _ = sendImmediately(bytes) }

    func receive() async throws -> [UInt8]? {
        Issue.record("the client must use receiveNow() on a PollingTransport")
        return nil
    }

    func receiveNow() throws -> ReceiveAttempt {
        state.withLock { state in
            if !state.inbox.isEmpty { return .bytes(state.inbox.removeFirst()) }
            return state.isClosed ? .endOfStream : .wouldBlock
        }
    }

    func waitUntilReceivable() async throws {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard !state.isClosed, state.inbox.isEmpty || !wakesReader else { return true }
                state.parkedReaders.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func close() async {
        let parked = state.withLock { state in
            state.isClosed = true
            defer { state.parkedReaders = [] }
            return state.parkedReaders
        }
        for reader in parked { reader.resume() }
    }
}

@Suite("A lone command polls for its own reply", .timeLimit(.minutes(1)))
struct ReplyPollingTests {
    /// A client past negotiation whose reader task has parked, so nothing but polling reads.
    private func connectedWithParkedReader(
        _ peer: PollablePeer, polling: Duration = .milliseconds(500), timeout: Duration? = nil
    ) async throws -> QMPClient {
        var configuration = QMPClient.Configuration()
        configuration.replyPolling = polling
        configuration.defaultTimeout = timeout
        let client = QMPClient(configuration: configuration)
        try await client.connect(peer)
        while peer.parkedReaderCount == 0 { await Task.yield() }
        return client
    }

    @Test("replies are read on the caller's thread when the reader task is not woken")
    func repliesArriveWithoutTheReader() async throws {
        let peer = PollablePeer(wakesReader: false)
        let client = try await connectedWithParkedReader(peer)
        for _ in 0..<100 { #expect(try await client.execute("query-status") == [:]) }
        await client.disconnect()
    }

    @Test("with polling off, a reply nobody wakes the reader for is never read")
    func pollingOffWaitsForTheReader() async throws {
        let peer = PollablePeer(wakesReader: false)
        var configuration = QMPClient.Configuration()
        configuration.replyPolling = .zero
        configuration.connectTimeout = .milliseconds(300)
        let client = QMPClient(configuration: configuration)
        // Negotiation is the first round trip: it can only time out.
        await expectQMPError(.timedOut) { try await client.connect(peer) }
    }

    @Test("events read while polling reach the listeners before the reply returns")
    func eventsBeforeTheReplyAreDelivered() async throws {
        let peer = PollablePeer(wakesReader: false) { id in
            [
                #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}"#,
                #"{"return": {}, "id": \#(id.map { "\($0)" } ?? "null")}"#,
            ]
        }
        let client = try await connectedWithParkedReader(peer)
        try await client.listener(EventNames("RESUME")) { listener in
            _ = try await client.execute("cont")
            #expect(listener.count == 1, "RESUME came before cont's reply")
        }
        await client.disconnect()
    }

    @Test("garbage read while polling ends the session and fails the command")
    func garbageEndsTheSession() async throws {
        let peer = PollablePeer(wakesReader: false) { _ in ["}} not json"] }
        var configuration = QMPClient.Configuration()
        configuration.replyPolling = .milliseconds(500)
        configuration.defaultTimeout = .seconds(20)
        let client = QMPClient(configuration: configuration)
        // Negotiation itself gets the garbage.
        await expectQMPError(.malformedMessage) { try await client.connect(peer) }
    }

    @Test("each poll that runs out doubles the commands that skip polling, up to a limit; a reply in time resets it")
    func backoff() {
        var polling = ReplyPolling()
        func skippedBeforeNextPoll() -> Int {
            var skipped = 0
            while !polling.shouldPoll() { skipped += 1 }
            return skipped
        }
        #expect(skippedBeforeNextPoll() == 0)
        var expected = 1
        for _ in 0..<12 {
            polling.record(answered: false)
            #expect(skippedBeforeNextPoll() == expected)
            expected = min(expected * 2, ReplyPolling.maxSkipped)
        }
        polling.record(answered: true)
        polling.record(answered: false)
        #expect(skippedBeforeNextPoll() == 1)
    }
}
