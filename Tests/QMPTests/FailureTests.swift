import QMP
import QMPTestSupport
import Testing

@Suite("Failures, cancellation and timeouts", .timeLimit(.minutes(1)))
struct FailureTests {
    @Test func endOfStreamFailsPendingCommandsAtOnce() async throws {
        let (client, peer) = try await connectedClient()
        let first = Task { _ = try await client.execute("query-status") }
        let second = Task { _ = try await client.execute("query-name") }
        _ = try await peer.nextMessage()
        _ = try await peer.nextMessage()
        peer.closeConnection()
        let error = await expectQMPError(.disconnected) { try await first.value }
        #expect(error?.message.contains("end of stream") == true)
        await expectQMPError(.disconnected) { try await second.value }
        await waitUntilIdle(client)
        #expect(client.lastError?.code == .disconnected)
    }

    @Test func garbageEndsTheSessionWithAMalformedMessageError() async throws {
        let (client, peer) = try await connectedClient()
        let pending = Task { _ = try await client.execute("query-status") }
        _ = try await peer.nextMessage()
        peer.send("this is not json")
        let error = await expectQMPError(.malformedMessage) { try await pending.value }
        #expect(error?.offset != nil)
        await waitUntilIdle(client)
    }

    @Test func eventsReadBeforeGarbageInTheSameChunkAreDelivered() async throws {
        let (client, peer) = try await connectedClient()
        let listener = Listener(EventNames("SHUTDOWN"))
        try client.register(listener)
        let shutdown = #"{"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}, "timestamp": {"seconds": 1, "microseconds": 2}}"#
        // One write, so the client reads the event and the garbage in one chunk.
        peer.sendRaw(shutdown + "\r\nthis is not json\r\n")
        let event = try await listener.get()
        #expect(event.name == "SHUTDOWN")
        #expect(client.events.history.map(\.name) == ["SHUTDOWN"])
        await waitUntilIdle(client)
        #expect(client.lastError?.code == .malformedMessage)
    }

    @Test func invalidUTF8IsMalformed() async throws {
        let (client, peer) = try await connectedClient()
        let pending = Task { _ = try await client.execute("query-status") }
        _ = try await peer.nextMessage()
        peer.transportInject([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D, 0x0D, 0x0A])
        await expectQMPError(.malformedMessage) { try await pending.value }
    }

    @Test func oversizedMessagesEndTheSession() async throws {
        var configuration = QMPClient.Configuration()
        configuration.maxMessageSize = 1_024
        let (client, peer) = try await connectedClient(configuration: configuration)
        let pending = Task { _ = try await client.execute("query-qmp-schema") }
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"return": "\#(String(repeating: "x", count: 4_096))"}"#)
        let error = await expectQMPError(.messageTooLarge) { try await pending.value }
        #expect(error?.message.contains("1024") == true)
        await waitUntilIdle(client)
    }

    @Test func anIDLessErrorNobodyExpectedIsAProtocolError() async throws {
        let (client, peer) = try await connectedClient()
        // Only commands with ids in flight: an id-less error answers nothing that was sent.
        let pending = Task { _ = try await client.executeMessage(Message(["execute": "query-status", "id": "mine"])) }
        _ = try await peer.nextMessage()
        peer.send(#"{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword 'x'"}}"#)
        let error = await expectQMPError(.unexpectedReply) { try await pending.value }
        #expect(error?.message.contains("invalid keyword") == true)
    }

    @Test func anIDLessErrorAnswersALoneCommandSentWithoutID() async throws {
        let (client, peer) = try await connectedClient()
        let pending = Task { _ = try await client.execute("query-status") }
        let command = try #require(try await peer.nextMessage())
        #expect(command.id == nil)
        peer.send(#"{"error": {"class": "GenericError", "desc": "JSON parse error, invalid keyword 'x'"}}"#)
        let error = await expectQMPError(.commandFailed) { try await pending.value }
        #expect(error?.errorClass == "GenericError")
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func cancellationFailsTheCallAndDropsTheLateReply() async throws {
        let (client, peer) = try await connectedClient()
        let task = Task { try await client.execute("query-status") }
        let command = try #require(try await peer.nextMessage())
        task.cancel()
        let result = await task.result
        if case .failure(let error as QMPError) = result {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected a cancellation error, got \(result)")
        }
        peer.reply(to: command, #"{"return": {}}"#)

        async let next = client.execute("query-name")
        let second = try #require(try await peer.nextMessage())
        peer.reply(to: second, #"{"return": {"name": "vm"}}"#)
        #expect(try await next["name"] == "vm")
        #expect(client.unexpectedMessageCount == 0)
        await client.disconnect()
    }

    @Test func alreadyCancelledTasksFailWithoutWaiting() async throws {
        let (client, _) = try await connectedClient()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute("query-status")
        }
        let result = await task.result
        if case .failure(let error as QMPError) = result {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected a cancellation error, got \(result)")
        }
        await client.disconnect()
    }

    @Test func timeoutsFailTheCall() async throws {
        let (client, peer) = try await connectedClient()
        let error = await expectQMPError(.timedOut) {
            try await client.execute("query-status", timeout: .milliseconds(30))
        }
        #expect(error?.command == "query-status")
        _ = try await peer.nextMessage()
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func disconnectFailsPendingCommands() async throws {
        let (client, peer) = try await connectedClient()
        let pending = Task { _ = try await client.execute("query-status") }
        _ = try await peer.nextMessage()
        await client.disconnect()
        let error = await expectQMPError(.disconnected) { try await pending.value }
        #expect(error?.message.contains("disconnected") == true)
        #expect(client.runState == .idle)
    }

    private func waitUntilIdle(_ client: QMPClient) async {
        for await state in client.runStates() where state == .idle { return }
    }
}
