import QMPCore
import Testing

/// The default frame limit bounds what one message costs to parse (about 37 times its
/// size at worst, see `MessageFramer.defaultMaxMessageSize`): 16 MiB allowed ~600 MiB.
@Suite("The default frame limit")
struct MessageFramerLimitTests {
    /// `{"return": [0,0,...]}` of exactly `size` bytes.
    private static func reply(ofSize size: Int) -> [UInt8] {
        var bytes = Array(#"{"return": [0"#.utf8)
        let end = Array("]}".utf8)
        bytes.reserveCapacity(size)
        while bytes.count + 2 + end.count <= size { bytes.append(contentsOf: ",0".utf8) }
        if bytes.count + 1 + end.count == size { bytes.append(UInt8(ascii: " ")) }
        return bytes + end
    }

    @Test func isTwoMebibytes() {
        #expect(MessageFramer.defaultMaxMessageSize == 2 << 20)
    }

    @Test func aReplyAtTheLimitParsesAndOneByteMoreDoesNot() throws {
        let limit = MessageFramer.defaultMaxMessageSize
        let atLimit = Self.reply(ofSize: limit)
        try #require(atLimit.count == limit)
        var framer = MessageFramer()
        framer.append(atLimit)
        let message = try #require(try framer.nextMessage()).message
        #expect(message["return"]?.arrayValue?.count == 1 + (limit - 15) / 2)

        var over = MessageFramer()
        over.append(Self.reply(ofSize: limit + 1))
        #expect { try over.nextMessage() } throws: { ($0 as? QMPError)?.code == .messageTooLarge }
    }
}
