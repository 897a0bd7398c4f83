import QMPCore
import Testing

/// `nextMessage()` parses complete objects in place; it must agree with
/// `nextFrame()` followed by `Message(parsing:)` in every case.
@Suite("Message framer: parsed messages")
struct MessageFramerParsingTests {
    /// Each message as (serialized object, raw bytes), or the error code that stopped the stream.
    private func messages(
        _ chunks: [[UInt8]], maxMessageSize: Int = MessageFramer.defaultMaxMessageSize
    ) -> (messages: [Message], raw: [String], error: QMPError.Code?) {
        var framer = MessageFramer(maxMessageSize: maxMessageSize)
        var messages: [Message] = []
        var raw: [String] = []
        do {
            for chunk in chunks {
                framer.append(chunk)
                while let (message, bytes) = try framer.nextMessage() {
                    messages.append(message)
                    raw.append(String(decoding: bytes, as: UTF8.self))
                }
            }
        } catch {
            return (messages, raw, error.code)
        }
        return (messages, raw, nil)
    }

    private let stream = Array(
        "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\", \"data\": {\"x\": \"{}\\\"\"}}\r\n{\r\n  \"return\": [1, 2]\r\n}\r\n{\"execute\":\"a\"}{\"execute\":\"b\"}".utf8
    )

    @Test func parsesWhatNextFrameWouldFrame() throws {
        let result = messages([stream])
        #expect(result.error == nil)
        #expect(result.messages.map(\.kind) == [.event, .success, .command, .command])
        #expect(result.raw[1] == "{\r\n  \"return\": [1, 2]\r\n}")
        var framer = MessageFramer()
        framer.append(stream)
        var expected: [Message] = []
        while let frame = try framer.nextFrame() { expected.append(try Message(parsing: frame)) }
        #expect(result.messages == expected)
    }

    @Test func reassemblesMessagesSplitAtEveryByte() {
        let whole = messages([stream]).messages
        for split in 0...stream.count {
            let result = messages([Array(stream[..<split]), Array(stream[split...])])
            #expect(result.error == nil, "split at \(split)")
            #expect(result.messages == whole, "split at \(split)")
        }
        #expect(messages(stream.map { [$0] }).messages == whole)
    }

    /// A chunk that follows a fully consumed one is taken without copying; chunks that
    /// end on a boundary, mid-message and mid-whitespace must all read the same.
    @Test func chunksEndingOnAndOffMessageBoundaries() {
        let message = Array(#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "TICK"}"#.utf8) + [13, 10]
        var chunks: [[UInt8]] = []
        for round in 0..<60 {
            let whole = Array([[UInt8]](repeating: message, count: round % 4 + 1).joined())
            switch round % 3 {
            case 0: chunks.append(whole)
            case 1: chunks += [Array(whole.dropLast(round)), Array(whole.suffix(round))]
            default: chunks += [whole.dropLast(1) + [], [10]]
            }
        }
        let kept = chunks
        let result = messages(chunks)
        #expect(result.error == nil)
        #expect(result.messages.count == (0..<60).reduce(0) { $0 + $1 % 4 + 1 })
        #expect(result.messages.allSatisfy { $0["event"]?.stringValue == "TICK" })
        #expect(chunks == kept, "the caller's chunks are not modified")
    }

    @Test func malformedAndNonObjectFramesAreMalformedMessages() {
        let malformed = messages([Array(#"{"return": {}} {"a" 1} {"return": {}}"#.utf8)])
        #expect(malformed.messages.count == 1)
        #expect(malformed.error == .malformedMessage)
        #expect(messages([Array("[1, 2]".utf8)]).error == .malformedMessage)
        #expect(messages([Array("garbage\r\n".utf8)]).error == .malformedMessage)
        #expect(messages([[0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]]).error == .malformedMessage)
    }

    @Test func completeMessagesPastTheLimitAreRejected() {
        let big = Array(#"{"return": "0123456789012345678901234567890123456789"}"#.utf8)
        #expect(messages([big], maxMessageSize: 32).error == .messageTooLarge)
        #expect(messages(big.map { [$0] }, maxMessageSize: 32).error == .messageTooLarge)
        #expect(messages([big], maxMessageSize: big.count).messages.count == 1)
    }

    @Test func whitespaceAloneYieldsNothing() {
        let result = messages([Array(" \r\n\t ".utf8), Array("\r\n".utf8)])
        #expect(result.messages.isEmpty && result.error == nil)
    }
}
