@testable import QMP
import QMPTestSupport
import QMPCore
import Synchronization
import Testing

@Suite("Executing commands", .timeLimit(.minutes(1)))
struct ExecuteTests {
    @Test func returnsTheReturnMember() async throws {
        let (client, peer) = try await connectedClient()
        async let status = client.execute("query-status")
        let command = try #require(try await peer.nextMessage())
        #expect(command["execute"] == "query-status")
        #expect(command["arguments"] == nil)
        peer.reply(to: command, #"{"return": {"status": "running", "singlestep": false, "running": true}}"#)
        #expect(try await status == ["status": "running", "singlestep": false, "running": true])
        await client.disconnect()
    }

    @Test func sendsArgumentsAndNoIDWhenAlone() async throws {
        let (client, peer) = try await connectedClient()
        async let result = client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": "src"])
        let command = try #require(try await peer.nextMessage())
        #expect(command["arguments"] == ["driver": "null-co", "node-name": "src"])
        #expect(command.id == nil, "a command with nothing else in flight needs no id")
        peer.reply(to: command, #"{"return": {}}"#)
        #expect(try await result == [:])
        await client.disconnect()
    }

    @Test func theShortestEncodingGoesOnTheWire() async throws {
        let peer = ScriptedPeer()
        let wire = Lock<[String]>([])
        var configuration = QMPClient.Configuration()
        configuration.trace = { record in
            if record.direction == .sent { wire.withLock { $0.append(record.text) } }
        }
        let client = QMPClient(configuration: configuration)
        async let greeting = client.connect(peer.transport)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        let server = Task {
            while let command = try await peer.nextMessage() { peer.reply(to: command, #"{"return": {}}"#) }
        }
        try await client.execute("query-status", arguments: [:])
        // Three at once: the first goes alone, the others get short ids.
        async let first: JSONValue = client.execute("stop")
        async let second: JSONValue = client.execute("stop")
        async let third: JSONValue = client.execute("stop")
        _ = try await (first, second, third)
        let sent = wire.withLock { $0 }
        #expect(sent.contains(#"{"execute":"query-status"}"#), "\(sent)")
        let ids = sent.compactMap { try? Message(parsing: Array($0.utf8)).id?.stringValue }
        #expect(ids.allSatisfy { $0.count == 1 && $0.allSatisfy { $0.isLetter || $0.isNumber } }, "\(ids)")
        #expect(Set(ids).count == ids.count)
        await client.disconnect()
        server.cancel()
    }

    @Test func encodableArgumentsNeedNoResultType() async throws {
        struct BlockdevAdd: Encodable {
            var driver = "null-co"
            var nodeName: String
            enum CodingKeys: String, CodingKey { case driver, nodeName = "node-name" }
        }
        let (client, peer) = try await connectedClient()
        async let added: Void = { try await client.execute("blockdev-add", arguments: BlockdevAdd(nodeName: "src")) }()
        let command = try #require(try await peer.nextMessage())
        #expect(command["arguments"] == ["driver": "null-co", "node-name": "src"])
        peer.reply(to: command, #"{"return": {}}"#)
        try await added
        await client.disconnect()
    }

    @Test func commandIDsAreBase62() {
        #expect(CommandID.string(for: 1) == "1")
        #expect(CommandID.string(for: 61) == "Z")
        #expect(CommandID.string(for: 62) == "10")
        #expect(CommandID.string(for: UInt64.max).count == 11)
        let ids = (1...10_000).map { CommandID.string(for: UInt64($0)) }
        #expect(Set(ids).count == ids.count)
    }

    @Test func errorRepliesThrowWithClassDescriptionAndCommand() async throws {
        let (client, peer) = try await connectedClient()
        let attempt = Task { _ = try await client.execute("no-such-command") }
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"error": {"class": "CommandNotFound", "desc": "The command no-such-command has not been found"}}"#)
        let error = await expectQMPError(.commandFailed) { try await attempt.value }
        #expect(error?.errorClass == "CommandNotFound")
        #expect(error?.errorDescription == "The command no-such-command has not been found")
        #expect(error?.command == "no-such-command")
        #expect(error?.message.contains("no-such-command") == true)
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func repliesInAnyOrderReachTheirCommands() async throws {
        let (client, peer) = try await connectedClient()
        try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            for index in 0..<20 {
                group.addTask { (index, try await client.execute("echo", arguments: ["n": .int(Int64(index))])) }
            }
            var commands: [Message] = []
            for _ in 0..<20 { commands.append(try #require(try await peer.nextMessage())) }
            for command in commands.reversed() {
                let n = command["arguments"]?["n"]?.intValue ?? -1
                peer.reply(to: command, #"{"return": {"n": \#(n)}}"#)
            }
            var seen = 0
            for try await (index, result) in group {
                #expect(result["n"]?.intValue == Int64(index))
                seen += 1
            }
            #expect(seen == 20)
        }
        await client.disconnect()
    }

    @Test func unknownIDsAreDroppedAndCounted() async throws {
        let (client, peer) = try await connectedClient()
        peer.send(#"{"return": {}, "id": "nobody-sent-this"}"#)
        async let status = client.execute("query-status")
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"return": {"running": true}}"#)
        #expect(try await status["running"] == true)
        #expect(client.unexpectedMessageCount == 1)
        #expect(client.runState == .running)
        await client.disconnect()
    }

    @Test func eventsBetweenRepliesDoNotDisturbCommands() async throws {
        let (client, peer) = try await connectedClient()
        async let result = client.execute("cont")
        let command = try #require(try await peer.nextMessage())
        peer.send(#"{"timestamp": {"seconds": 1, "microseconds": 5}, "event": "RESUME"}"#)
        peer.reply(to: command, #"{"return": {}}"#)
        #expect(try await result == [:])
        let event = try await client.events.get()
        #expect(event.name == "RESUME")
        #expect(event.timestamp == Event.Timestamp(seconds: 1, microseconds: 5))
        await client.disconnect()
    }

    @Test func outOfBandCommandsUseExecOOB() async throws {
        let (client, peer) = try await connectedClient()
        async let result = client.execute("migrate-pause", oob: true)
        let command = try #require(try await peer.nextMessage())
        #expect(command["exec-oob"] == "migrate-pause")
        #expect(command["execute"] == nil)
        peer.reply(to: command, #"{"return": {}}"#)
        _ = try await result
        await client.disconnect()
    }

    @Test func rawMessagesKeepTheirIDAndErrorsAreReturned() async throws {
        let (client, peer) = try await connectedClient()
        async let reply = client.executeMessage(Message(["execute": "frobnicate", "id": "mine"]))
        let command = try #require(try await peer.nextMessage())
        #expect(command.id == "mine")
        peer.reply(to: command, #"{"error": {"class": "CommandNotFound", "desc": "nope"}}"#)
        let message = try await reply
        #expect(message.kind == .error)
        #expect(ErrorReply(message)?.errorClass == "CommandNotFound")
        await client.disconnect()
    }

    @Test func rawMessagesWithoutIDAreMatchedInOrder() async throws {
        let (client, peer) = try await connectedClient()
        async let first = client.executeMessage(Message(["execute": "query-status"]))
        _ = try #require(try await peer.nextMessage())
        async let second = client.executeMessage(Message(["execute": "query-name"]))
        _ = try #require(try await peer.nextMessage())
        peer.send(#"{"return": {"order": 1}}"#)
        peer.send(#"{"return": {"order": 2}}"#)
        #expect(try await first["return"]?["order"] == 1)
        #expect(try await second["return"]?["order"] == 2)
        await client.disconnect()
    }

    @Test func traceSeesEveryLineBothWays() async throws {
        let lines = Lock<[TraceRecord]>([])
        var configuration = QMPClient.Configuration()
        configuration.trace = { record in lines.withLock { $0.append(record) } }
        let (client, peer) = try await connectedClient(configuration: configuration)
        async let status = client.execute("query-status")
        let command = try #require(try await peer.nextMessage())
        peer.reply(to: command, #"{"return": {}}"#)
        _ = try await status
        await client.disconnect()
        let records = lines.withLock { $0 }
        #expect(records.map(\.direction) == [.received, .sent, .received, .sent, .received])
        #expect(records.first?.text.hasPrefix(#"{"QMP""#) == true)
        #expect(records[3].text.contains(#""execute":"query-status""#))
    }

    @Test func pipelinesAThousandCommands() async throws {
        let (client, peer) = try await connectedClient()
        let responder = Task {
            while let command = try await peer.nextMessage() {
                peer.reply(to: command, #"{"return": {}}"#)
            }
        }
        try await withThrowingTaskGroup(of: JSONValue.self) { group in
            for _ in 0..<1_000 { group.addTask { try await client.execute("query-status") } }
            var count = 0
            for try await result in group {
                #expect(result == [:])
                count += 1
            }
            #expect(count == 1_000)
        }
        await client.disconnect()
        _ = try await responder.value
    }
}

@Suite("Typed commands", .timeLimit(.minutes(1)))
struct TypedExecuteTests {
    struct Status: Decodable, Equatable {
        var status: String
        var running: Bool
    }

    struct AddNode: Encodable {
        var driver = "null-co"
        var nodeName: String
        enum CodingKeys: String, CodingKey { case driver, nodeName = "node-name" }
    }

    @Test func encodesArgumentsAndDecodesResults() async throws {
        let (client, peer) = try await connectedClient()
        async let added = client.execute("blockdev-add", arguments: AddNode(nodeName: "src"), as: JSONValue.self)
        let add = try #require(try await peer.nextMessage())
        #expect(add["arguments"] == ["driver": "null-co", "node-name": "src"])
        peer.reply(to: add, #"{"return": {}}"#)
        #expect(try await added == [:])

        async let status = client.execute("query-status", as: Status.self)
        let query = try #require(try await peer.nextMessage())
        peer.reply(to: query, #"{"return": {"status": "paused", "running": false}}"#)
        #expect(try await status == Status(status: "paused", running: false))
        await client.disconnect()
    }

    @Test func aResultOfTheWrongShapeIsADecodingError() async throws {
        let (client, peer) = try await connectedClient()
        let attempt = Task { try await client.execute("query-status", as: Status.self) }
        let query = try #require(try await peer.nextMessage())
        peer.reply(to: query, #"{"return": {"status": 5}}"#)
        let error = await expectQMPError(.decodingFailed) { _ = try await attempt.value }
        #expect(error?.command == "query-status")
        await client.disconnect()
    }
}
