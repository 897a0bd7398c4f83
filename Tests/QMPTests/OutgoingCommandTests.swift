import Testing
@testable import QMP
import QMPCore

@Suite("Outgoing commands")
struct OutgoingCommandTests {
    /// The same command as a message, built as `execute` built it before it wrote bytes itself.
    private func asMessage(_ name: String, _ arguments: JSONObject?, outOfBand: Bool) -> OutgoingCommand {
        var object: JSONObject = [outOfBand ? "exec-oob" : "execute": .string(name)]
        if let arguments, !arguments.isEmpty { object["arguments"] = .object(arguments) }
        return .message(Message(object))
    }

    @Test("execute's bytes are those of the same command as a message, with or without an id", arguments: [
        ("query-status", nil as JSONObject?, false),
        ("query-status", [:] as JSONObject?, false),
        ("blockdev-add", ["driver": "null-co", "node-name": "n\u{e9}\"0", "size": 1024, "read-only": true] as JSONObject?, false),
        ("migrate-pause", nil as JSONObject?, true),
    ])
    func executeMatchesTheMessageForm(_ name: String, _ arguments: JSONObject?, _ outOfBand: Bool) {
        let execute = OutgoingCommand.execute(name: name, arguments: arguments, outOfBand: outOfBand)
        let message = asMessage(name, arguments, outOfBand: outOfBand)
        for id in [nil, JSONValue.string("1Z")] {
            #expect(execute.serializedBytes(id: id) == message.serializedBytes(id: id))
        }
        #expect(execute.isOutOfBand == outOfBand)
        #expect(execute.id == nil)
        #expect(String(decoding: execute.serializedBytes(id: "7"), as: UTF8.self).hasSuffix(#","id":"7"}"#))
    }

    @Test("a message keeps the id its caller chose, and loses it when it is sent without one")
    func messagesKeepOrLoseTheirOwnID() {
        let message = OutgoingCommand.message(Message(["execute": "stop", "id": "mine"]))
        #expect(message.id == "mine")
        #expect(String(decoding: message.serializedBytes(id: "mine"), as: UTF8.self) == #"{"execute":"stop","id":"mine"}"#)
        #expect(String(decoding: message.serializedBytes(id: nil), as: UTF8.self) == #"{"execute":"stop"}"#)
    }
}
