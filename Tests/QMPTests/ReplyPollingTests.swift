@testable import QMP
import Synchronization
import Testing

/// A peer behind a ``PollingTransport`` that answers each command as it is
/// written, and whose reader wakeups can be withheld: after ``stopWakingReader()``
/// the client's reader task, once parked, never reads again, so only a caller
/// polling for its reply can get it.
private final class PollablePeer: PollingTransport {
    private struct State {
        var inbox: [[UInt8]] = []
        var framer = MessageFramer()
        var parkedReaders: [CheckedContinuation<Void, Never>] = []
        var isClosed = false
        var wakesReader = true
    }

    private let state: Mutex<State>
    /// What the peer sends for each command other than `qmp_capabilities`; QEMU-like framing is added.
    private let answer: @Sendable (Message) -> [String]

    init(answer: @escaping @Sendable (Message) -> [String] = { [PollablePeer.returnEmpty(to: $0)] }) {
        let greeting = #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#
        state = Mutex(State(inbox: [Array(greeting.utf8) + [13, 10]]))
        self.answer = answer
    }

    static func returnEmpty(to command: Message) -> String {
        #"{"return": {}, "id": \#(command.id.map { "\($0)" } ?? "null")}"#
    }

    var parkedReaderCount: Int { state.withLock { $0.parkedReaders.count } }

    /// From now on the reader task is never woken: what the peer sends stays unread but for polling.
    func stopWakingReader() { state.withLock { $0.wakesReader = false } }

    func sendImmediately(_ bytes: [UInt8]) -> Int {
        let wake = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.framer.append(bytes)
            while let frame = try? state.framer.nextFrame(), let command = try? Message(parsing: frame) {
                let lines = command["execute"] == "qmp_capabilities" ? [Self.returnEmpty(to: command)] : answer(command)
                for line in lines { state.inbox.append(Array(line.utf8) + [13, 10]) }
            }
            guard state.wakesReader else { return [] }
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
                guard !state.isClosed, state.inbox.isEmpty || !state.wakesReader else { return true }
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
        peer.stopWakingReader()
        while peer.parkedReaderCount == 0 { await Task.yield() }
        return client
    }

    @Test("replies are read on the caller's thread when the reader task is not woken")
    func repliesArriveWithoutTheReader() async throws {
        let peer = PollablePeer()
        let client = try await connectedWithParkedReader(peer, timeout: .seconds(10))
        for _ in 0..<100 { #expect(try await client.execute("query-status") == [:]) }
        await client.disconnect()
    }

    @Test("with polling off, a reply nobody wakes the reader for is never read")
    func pollingOffWaitsForTheReader() async throws {
        let peer = PollablePeer()
        let client = try await connectedWithParkedReader(peer, polling: .zero, timeout: .milliseconds(300))
        await expectQMPError(.timedOut) { _ = try await client.execute("query-status") }
        await client.disconnect()
    }

    @Test("events read while polling reach the listeners before the reply returns")
    func eventsBeforeTheReplyAreDelivered() async throws {
        let peer = PollablePeer { command in
            [#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "RESUME"}"#, PollablePeer.returnEmpty(to: command)]
        }
        let client = try await connectedWithParkedReader(peer, timeout: .seconds(10))
        try await client.listener(EventNames("RESUME")) { listener in
            _ = try await client.execute("cont")
            #expect(listener.count == 1, "RESUME came before cont's reply")
        }
        await client.disconnect()
    }

    @Test("garbage read while polling ends the session and fails the command")
    func garbageEndsTheSession() async throws {
        let peer = PollablePeer { _ in ["}} not json"] }
        let client = try await connectedWithParkedReader(peer, timeout: .seconds(20))
        await expectQMPError(.malformedMessage) { _ = try await client.execute("query-status") }
    }

    @Test("each poll that runs out doubles the lone commands that skip polling, up to a limit; a reply in time resets it")
    func backoff() {
        var polling = ReplyPolling()
        let first = polling.shouldPoll(alone: true)
        #expect(!first, "the first lone command has no lone one before it")
        func skippedBeforeNextPoll() -> Int {
            var skipped = 0
            while !polling.shouldPoll(alone: true) { skipped += 1 }
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

    @Test("only a lone command after another lone one polls: a pipeline that drains for a moment does not")
    func onlyAfterALoneCommand() {
        var polling = ReplyPolling()
        let alone = [false, true, true, false, true, true]
        let decisions = alone.map { polling.shouldPoll(alone: $0) }
        // The fifth command is alone, but the one before it was pipelined.
        #expect(decisions == [false, false, true, false, false, true])
    }
}
