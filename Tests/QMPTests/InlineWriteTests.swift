import QMP
import QMPMock
import QMPTestSupport
import QMPCore
import Synchronization
import Testing

/// Wraps a scripted peer's transport to control and watch ``Transport/sendImmediately(_:)``.
private final class InlineWritingTransport: FileDescriptorPassingTransport {
    private let base: InProcessTransport
    /// How many of `count` bytes an inline write takes; `nil` leaves the default (no inline writes).
    private let policy: (@Sendable (_ call: Int, _ count: Int) -> Int)?
    private let calls = Atomic<Int>(0)
    /// Writers in progress; more than one at a time breaks the transport contract.
    private let writers = Atomic<Int>(0)
    let overlaps = Atomic<Int>(0)
    let inlineBytes = Atomic<Int>(0)
    let sendCalls = Atomic<Int>(0)
    let descriptorSends = Lock<[[Int32]]>([])

    init(_ base: InProcessTransport, policy: (@Sendable (_ call: Int, _ count: Int) -> Int)?) {
        self.base = base
        self.policy = policy
    }

    private func beginWrite() {
        if writers.add(1, ordering: .sequentiallyConsistent).newValue != 1 {
            overlaps.add(1, ordering: .relaxed)
        }
    }

    private func endWrite() {
        writers.subtract(1, ordering: .sequentiallyConsistent)
    }

    func sendImmediately(_ bytes: [UInt8]) -> Int {
        guard let policy else { return 0 }
        beginWrite()
        defer { endWrite() }
        let call = calls.add(1, ordering: .relaxed).newValue
        let count = min(max(policy(call, bytes.count), 0), bytes.count)
        if count > 0 { base.write(Array(bytes[..<count])) }
        inlineBytes.add(count, ordering: .relaxed)
        return count
    }

    func send(_ bytes: [UInt8]) async throws {
        beginWrite()
        defer { endWrite() }
        sendCalls.add(1, ordering: .relaxed)
        // Yield mid-write so a concurrent inline write, if the client allowed one, would overlap.
        await Task.yield()
        try await base.send(bytes)
    }

    func send(_ bytes: [UInt8], fileDescriptors: [Int32]) async throws {
        descriptorSends.withLock { $0.append(fileDescriptors) }
        try await send(bytes)
    }

    func receive() async throws -> [UInt8]? { try await base.receive() }

    func close() async { await base.close() }
}

/// A client on `transport`, whose far end is `peer`, past negotiation.
private func connect(_ transport: InlineWritingTransport, _ peer: ScriptedPeer) async throws -> QMPClient {
    let client = QMPClient()
    async let greeting = client.connect(transport)
    _ = try await peer.acceptNegotiation()
    _ = try await greeting
    return client
}

/// Answers every command with its own id as the return value, until the client closes.
/// A line that does not parse closes the connection, so the test fails instead of hanging.
private func echoIDs(_ peer: ScriptedPeer) async throws {
    do {
        while let command = try await peer.nextMessage() {
            // A lone command goes without an id; its reply then carries none either.
            let echo = command.id.map { $0.serialized() } ?? "null"
            peer.reply(to: command, #"{"return": {"echo": \#(echo)}}"#)
        }
    } catch {
        peer.closeConnection()
        throw error
    }
}

@Suite("Inline writes", .timeLimit(.minutes(1)))
struct InlineWriteTests {
    @Test func aLoneCommandIsWrittenByItsCaller() async throws {
        let peer = ScriptedPeer()
        let transport = InlineWritingTransport(peer.transport) { _, count in count }
        let client = try await connect(transport, peer)
        let server = Task { try await echoIDs(peer) }
        for _ in 0..<20 { _ = try await client.execute("query-status") }
        #expect(transport.sendCalls.load(ordering: .relaxed) == 0, "sequential commands woke the writer task")
        #expect(transport.inlineBytes.load(ordering: .relaxed) > 0)
        await client.disconnect()
        try await server.value
    }

    @Test(arguments: [
        [0],            // the socket is always full: everything goes to the writer task
        [1, 0, 7],      // a byte, nothing, a few bytes: every message split
        [1_000, 3],     // whole messages and fragments mixed
    ])
    func partialInlineWritesKeepEveryMessageWholeAndInOrder(pattern: [Int]) async throws {
        let peer = ScriptedPeer()
        let transport = InlineWritingTransport(peer.transport) { call, _ in pattern[call % pattern.count] }
        let client = try await connect(transport, peer)
        // The peer parses every line it reads, so a message split or interleaved wrongly fails the test.
        let server = Task { try await echoIDs(peer) }
        // Eight callers in loops: sometimes one is alone and writes inline, sometimes the
        // writer task has a batch, so the two kinds of write meet.
        let echoes = try await withThrowingTaskGroup(of: [Bool].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var matched: [Bool] = []
                    for _ in 0..<25 {
                        let id = JSONValue.string(makeTestID())
                        let message = try await client.executeMessage(Message(["execute": "query-status", "id": id]))
                        matched.append(message["return"]?["echo"] == id)
                    }
                    return matched
                }
            }
            return try await group.reduce(into: [Bool]()) { $0 += $1 }
        }
        #expect(echoes.count == 200)
        #expect(echoes.allSatisfy { $0 }, "a reply reached the wrong command")
        #expect(transport.overlaps.load(ordering: .relaxed) == 0, "two writes overlapped")
        await client.disconnect()
        try await server.value
    }

    @Test func transportsWithoutInlineWritesUseTheWriterTask() async throws {
        let peer = ScriptedPeer()
        let transport = InlineWritingTransport(peer.transport, policy: nil)
        let client = try await connect(transport, peer)
        let server = Task { try await echoIDs(peer) }
        for _ in 0..<5 { _ = try await client.execute("query-status") }
        // qmp_capabilities and five commands, one write each.
        #expect(transport.sendCalls.load(ordering: .relaxed) == 6)
        #expect(transport.inlineBytes.load(ordering: .relaxed) == 0)
        await client.disconnect()
        try await server.value
    }

    @Test func aCommandWithDescriptorsWaitsForTheReplyToTheOneBefore() async throws {
        let peer = ScriptedPeer()
        let transport = InlineWritingTransport(peer.transport) { _, count in count }
        let client = try await connect(transport, peer)
        let getfds = (0..<2).map { index in
            Task { try await client.execute("getfd", arguments: ["fdname": .string("fd\(index)")], fileDescriptors: [0]) }
        }
        let first = try #require(try await peer.nextMessage())
        #expect(first["execute"] == "getfd")
        // With the first getfd unanswered, a plain command still goes out, and the other getfd does not.
        let plain = Task { try await client.execute("query-status") }
        let second = try #require(try await peer.nextMessage())
        #expect(second["execute"] == "query-status", "a getfd was sent before the previous one's reply")
        peer.reply(to: second, #"{"return": {}}"#)
        _ = try await plain.value
        #expect(transport.descriptorSends.withLock { $0.count } == 1)
        peer.reply(to: first, #"{"return": {}}"#)
        let third = try #require(try await peer.nextMessage())
        #expect(third["execute"] == "getfd")
        #expect(third["arguments"]?["fdname"] != first["arguments"]?["fdname"])
        peer.reply(to: third, #"{"return": {}}"#)
        for getfd in getfds { _ = try await getfd.value }
        #expect(transport.descriptorSends.withLock { $0.count } == 2)
        await client.disconnect()
    }

    @Test func aCancelledCommandWithDescriptorsLeavesTheLine() async throws {
        let peer = ScriptedPeer()
        let transport = InlineWritingTransport(peer.transport) { _, count in count }
        let client = try await connect(transport, peer)
        let first = Task { try await client.execute("getfd", arguments: ["fdname": "a"], fileDescriptors: [0]) }
        let command = try #require(try await peer.nextMessage())
        let waiting = Task { try await client.execute("getfd", arguments: ["fdname": "b"], fileDescriptors: [0]) }
        waiting.cancel()
        await expectQMPError(.cancelled) { _ = try await waiting.value }
        peer.reply(to: command, #"{"return": {}}"#)
        _ = try await first.value
        // The gate is open again: the next one goes straight out.
        let third = Task { try await client.execute("getfd", arguments: ["fdname": "c"], fileDescriptors: [0]) }
        let next = try #require(try await peer.nextMessage())
        #expect(next["arguments"]?["fdname"] == "c")
        peer.reply(to: next, #"{"return": {}}"#)
        _ = try await third.value
        await client.disconnect()
    }

    @Test func fileDescriptorsAlwaysTravelThroughTheWriterTask() async throws {
        let peer = ScriptedPeer()
        let transport = InlineWritingTransport(peer.transport) { _, count in count }
        let client = try await connect(transport, peer)
        let server = Task { try await echoIDs(peer) }
        let inlineBefore = transport.inlineBytes.load(ordering: .relaxed)
        _ = try await client.execute("getfd", arguments: ["fdname": "x"], fileDescriptors: [0])
        #expect(transport.descriptorSends.withLock { $0 } == [[0]])
        #expect(transport.inlineBytes.load(ordering: .relaxed) == inlineBefore)
        await client.disconnect()
        try await server.value
    }
}

private let testIDs = Atomic<Int>(0)

/// Unique ids that do not collide with the client's own `swift-qmp-N`.
private func makeTestID() -> String {
    "inline-\(testIDs.add(1, ordering: .relaxed).newValue)"
}
