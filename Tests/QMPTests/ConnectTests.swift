import QMP
import QMPTestSupport
import Testing

@Suite("Connecting and negotiating", .timeLimit(.minutes(1)))
struct ConnectTests {
    @Test func readsGreetingAndEnablesOOBWhenOffered() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        async let greeting = client.connect(peer.transport)
        let negotiation = try #require(try await peer.acceptNegotiation())
        let received = try await greeting
        #expect(received.version == Greeting.Version(major: 7, minor: 2, micro: 0, package: "Debian 1:7.2+dfsg-7"))
        #expect(received.capabilities == ["oob"])
        #expect(negotiation["execute"] == "qmp_capabilities")
        #expect(negotiation["arguments"] == ["enable": ["oob"]])
        #expect(negotiation.id?.stringValue != nil)
        #expect(client.runState == .running)
        #expect(client.greeting == received)
        await client.disconnect()
    }

    @Test func oobCanBeDeclined() async throws {
        var configuration = QMPClient.Configuration()
        configuration.negotiateOOB = false
        let client = QMPClient(configuration: configuration)
        let peer = ScriptedPeer()
        async let greeting = client.connect(peer.transport)
        let negotiation = try #require(try await peer.acceptNegotiation())
        _ = try await greeting
        #expect(negotiation["arguments"] == nil)
        await client.disconnect()
    }

    @Test func oobIsNotRequestedWhenNotOffered() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        async let greeting = client.connect(peer.transport)
        let negotiation = try #require(try await peer.acceptNegotiation(capabilities: []))
        _ = try await greeting
        #expect(negotiation["arguments"] == nil)
        await client.disconnect()
    }

    @Test func eventsBeforeTheGreetingAreIgnored() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        peer.send(#"{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}"#)
        async let greeting = client.connect(peer.transport)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        #expect(client.runState == .running)
        #expect(client.events.isEmpty)
        await client.disconnect()
    }

    @Test func negotiationErrorCarriesQEMUsText() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        let attempt = Task { _ = try await client.connect(peer.transport) }
        peer.sendGreeting()
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"error": {"class": "GenericError", "desc": "Capability 'oob' is not available"}}"#)
        let error = await expectQMPError(.negotiationFailed) { try await attempt.value }
        #expect(error?.message.contains("Capability 'oob' is not available") == true)
        #expect(error?.errorClass == "GenericError")
        #expect(client.runState == .idle)
    }

    @Test func aFirstMessageThatIsNoGreetingFails() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        peer.send(#"{"return": {}}"#)
        let error = await expectQMPError(.greetingFailed) { try await client.connect(peer.transport) }
        #expect(error?.message.contains("expected a QMP greeting") == true)
        #expect(client.runState == .idle)
    }

    @Test func endOfStreamBeforeTheGreetingFails() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        peer.closeConnection()
        await expectQMPError(.greetingFailed) { try await client.connect(peer.transport) }
        #expect(client.runState == .idle)
    }

    @Test func aSilentPeerTimesOut() async throws {
        var configuration = QMPClient.Configuration()
        configuration.connectTimeout = .milliseconds(50)
        let client = QMPClient(configuration: configuration)
        let peer = ScriptedPeer()
        let error = await expectQMPError(.timedOut) { try await client.connect(peer.transport) }
        #expect(error?.message.contains("greeting") == true)
        #expect(client.runState == .idle)
    }

    @Test func oneBudgetCoversTheGreetingAndTheNegotiation() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        peer.sendGreeting()
        // The greeting comes at once; qmp_capabilities is never answered. The one deadline
        // of the call fails it, not a second timeout of the negotiation's own.
        let error = await expectQMPError(.timedOut) { try await client.connect(peer.transport, timeout: .milliseconds(50)) }
        #expect(error?.message.contains("greeting and negotiation") == true, "\(String(describing: error))")
        #expect(client.runState == .idle)
    }

    @Test func errorsMatchByCodeInCatchClauses() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        let attempt = Task { () -> String in
            do {
                try await client.connect(peer.transport, timeout: nil)
                return "connected"
            } catch QMPError.Code.cancelled {
                return "cancelled"
            } catch {
                return "other: \(error)"
            }
        }
        try await waitUntil("the client connects") { client.runState == .connecting }
        attempt.cancel()
        #expect(await attempt.value == "cancelled")
        #expect(QMPError.isCancellation(CancellationError()))
        #expect(QMPError(.cancelled, "x").isCancellation)
    }

    @Test func connectingIsCancellable() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        let attempt = Task { try await client.connect(peer.transport) }
        // The greeting never comes: cancelled while connect waits for it.
        try await waitUntil("the client connects") { client.runState == .connecting }
        attempt.cancel()
        let result = await attempt.result
        #expect(throws: QMPError.self) { try result.get() }
        #expect(client.runState == .idle)
    }

    @Test func connectTwiceIsAnInvalidState() async throws {
        let (client, _) = try await connectedClient()
        await expectQMPError(.invalidState) { try await client.connect(ScriptedPeer().transport) }
        await client.disconnect()
    }

    @Test func runStatesAreObservable() async throws {
        let client = QMPClient()
        let states = client.runStates()
        let peer = ScriptedPeer()
        async let greeting = client.connect(peer.transport)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        await client.disconnect()
        var seen: [QMPClient.RunState] = []
        for await state in states {
            seen.append(state)
            if seen.count == 5 { break }
        }
        #expect(seen == [.idle, .connecting, .running, .disconnecting, .idle])
    }

    @Test func disconnectIsIdempotentAndReconnectWorks() async throws {
        let (client, _) = try await connectedClient()
        await client.disconnect()
        await client.disconnect()
        #expect(client.runState == .idle)
        await expectQMPError(.invalidState) { try await client.execute("query-status") }

        let peer = ScriptedPeer()
        async let greeting = client.connect(peer.transport)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        async let status = client.execute("query-status")
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"return": {"status": "running", "running": true}}"#)
        #expect(try await status["running"] == true)
        await client.disconnect()
    }
}

@Suite("Events right after negotiation", .timeLimit(.minutes(1)))
struct EarlyEventTests {
    @Test func eventsSentRightAfterTheCapabilitiesReplyAreKept() async throws {
        let client = QMPClient()
        let peer = ScriptedPeer()
        async let greeting = client.connect(peer.transport)
        peer.sendGreeting()
        let negotiation = try #require(try await peer.nextMessage())
        // The reply and an event in one chunk: the event must not fall between negotiation and running.
        var object = try Message(parsing: Array(#"{"return": {}}"#.utf8)).object
        object["id"] = negotiation.id
        peer.sendRaw(Message(object).description + "\r\n" + #"{"event": "RESUME", "timestamp": {"seconds": 1, "microseconds": 0}}"# + "\r\n")
        _ = try await greeting
        #expect(try await client.events.get().name == "RESUME")
        await client.disconnect()
    }
}
