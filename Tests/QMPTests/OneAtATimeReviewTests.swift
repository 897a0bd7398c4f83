@_spi(Testing) @testable import QMP
import Foundation
import QMPCore
import QMPEvents
import QMPMock
import QMPTestSupport
import Synchronization
import Testing

/// Found in review: commands sent one at a time (descriptors; an agent that echoes no ids)
/// waited in line past their own timeout, one that gave up told the others it had timed out,
/// a descriptor sent over a transport that cannot pass one ended the session, and a caller's
/// id reused after a give-up was handed the late reply.
@Suite("One at a time: timeouts, ends and ids", .timeLimit(.minutes(1)))
struct OneAtATimeReviewTests {
    @Test func aCommandWaitingInLineTimesOutWithoutBeingSent() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: false)
        let first = Task { try await client.execute("guest-ping", timeout: nil) }
        let sent = try #require(try await peer.nextAgentCommand())
        #expect(sent["execute"] == "guest-ping")
        let timedOut = await expectQMPError(.timedOut) { try await client.execute("guest-info", timeout: .milliseconds(50)) }
        #expect(timedOut?.message.contains("it was not sent") == true)
        // Nothing ended: the first command still gets its reply.
        #expect(client.runState == .running)
        peer.send(#"{"return": {}}"#)
        #expect(try await first.value == [:])
    }

    @Test func anAgentSessionEndedByAGiveUpTellsTheOthersDisconnected() async throws {
        let (client, peer) = try await connectedAgent(echoingIDs: false)
        let first = Task { try await client.execute("guest-ping", timeout: .seconds(30)) }
        _ = try #require(try await peer.nextAgentCommand())
        let second = Task { try await client.execute("guest-info", timeout: nil) }
        try await waitUntil("the second command waits its turn") { client.commandsWaitingTheirTurn == 1 }
        first.cancel()
        await expectQMPError(.cancelled) { _ = try await first.value }
        let ended = await expectQMPError(.disconnected) { _ = try await second.value }
        #expect(ended?.command != "guest-ping")
        #expect(client.lastError?.code == .disconnected)
    }

    @Test func descriptorsOverATransportThatCannotPassThemFailThatCommandAlone() async throws {
        let (client, peer) = try await connectedClient()
        async let status = client.execute("query-status")
        let pending = try #require(try await peer.nextMessage())
        await expectQMPError(.invalidState) { try await client.execute("getfd", arguments: ["fdname": "x"], fileDescriptors: [0]) }
        #expect(client.runState == .running)
        peer.reply(to: pending, #"{"return": {"status": "running"}}"#)
        #expect(try await status["status"] == "running")
        await client.disconnect()
    }

    @Test func anIDGivenUpIsNotReusedBeforeItsReply() async throws {
        let (client, peer) = try await connectedClient()
        let message = Message(["execute": "query-status", "id": "x"])
        await expectQMPError(.timedOut) { _ = try await client.executeMessage(message, timeout: .milliseconds(20)) }
        let first = try #require(try await peer.nextMessage())
        await expectQMPError(.invalidState) { _ = try await client.executeMessage(Message(["execute": "query-name", "id": "x"])) }
        // Once the late reply is in, the id is free again: a command answered after it
        // returns once the late reply has been read.
        peer.reply(to: first, #"{"return": {"status": "running"}}"#)
        async let version = client.executeMessage(Message(["execute": "query-version", "id": "y"]))
        peer.reply(to: try #require(try await peer.nextMessage()), #"{"return": {}}"#)
        _ = try await version
        #expect(client.unexpectedMessageCount == 0)
        async let second = client.executeMessage(Message(["execute": "query-name", "id": "x"]))
        let sent = try #require(try await peer.nextMessage())
        peer.reply(to: sent, #"{"return": {"name": "vm"}}"#)
        #expect(try await second["return"]?["name"] == "vm")
        await client.disconnect()
    }

    /// The client says `disconnecting` before it tells the listeners of the end; a negotiation
    /// finishing in that window made it `running` again.
    @Test func anEndingSessionIsNotMarkedRunning() async throws {
        let peer = ScriptedPeer()
        let client = QMPClient()
        let probe = MarkRunningOnEnd(client)
        try client.register(probe)
        async let greeting = client.connect(peer.transport)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        peer.closeConnection()
        try await waitUntil("the session is down") { client.runState == .idle }
        let outcome = try #require(probe.outcome.withLock { $0 })
        #expect(outcome.threw)
        #expect(outcome.state == .disconnecting)
    }
}

/// Calls `markRunning` from inside the end's hand-over to the listeners.
private final class MarkRunningOnEnd: EventListening {
    // Weak: the client holds its listeners.
    private weak let client: QMPClient?
    let outcome = Lock<(threw: Bool, state: QMPClient.RunState)?>(nil)

    init(_ client: QMPClient) { self.client = client }

    func deliver(_ event: Event) {}
    func sessionStarted() {}
    func clear() -> [Event] { [] }
    func sessionEnded(error: QMPError) {
        guard let client, let session = client.activeSession else { return }
        let threw: Bool
        do { try client.markRunning(session); threw = false } catch { threw = true }
        outcome.withLock { $0 = (threw, client.runState) }
    }
}

/// Writes inline, and when `guest-shutdown` goes out, has the agent fail it at once and waits
/// until the client has read that error, all before the write returns.
private final class FailsShutdownAtOnce: Transport {
    private let peer: ScriptedPeer
    let readByClient = Lock<(@Sendable () -> Bool)?>(nil)

    init(_ peer: ScriptedPeer) { self.peer = peer }

    func sendImmediately(_ bytes: [UInt8]) -> Int {
        _ = peer.transport.write(bytes)
        guard String(decoding: bytes, as: UTF8.self).contains("guest-shutdown"), let read = readByClient.withLock({ $0 }) else {
            return bytes.count
        }
        peer.send(GuestAgentNoReplyTests.failure)
        // Polls an observable condition on this (caller's) thread; the reader runs on another.
        let deadline = ContinuousClock.now + .seconds(20)
        while !read() && ContinuousClock.now < deadline { usleep(100) }
        return bytes.count
    }

    func send(_ bytes: [UInt8]) async throws { _ = sendImmediately(bytes) }
    func receive() async throws -> [UInt8]? { try await peer.transport.receive() }
    func close() async { await peer.transport.close() }
}

extension OneAtATimeReviewTests {
    /// An agent that echoes no ids fails a no-reply command before the client's write returns:
    /// the error is passed over, not taken for a protocol violation that ends the session.
    @Test func aNoReplyCommandsErrorReadBeforeItsWriteReturnsIsPassedOver() async throws {
        let peer = ScriptedPeer()
        let transport = FailsShutdownAtOnce(peer)
        let client = QMPClient()
        async let connected = client.connectToGuestAgent(transport, timeout: .seconds(30))
        try await peer.answerHandshake(echoingIDs: false)
        try await peer.answerGuestInfo(echoingIDs: false)
        _ = try await connected
        transport.readByClient.withLock { $0 = { client.unexpectedMessageCount == 1 || client.runState != .running } }
        #expect(try await client.execute("guest-shutdown") == [:])
        #expect(client.unexpectedMessageCount == 1)
        #expect(client.runState == .running)
    }
}
