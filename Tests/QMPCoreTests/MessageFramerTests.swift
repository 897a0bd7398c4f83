import QMPCore
import QMPTestSupport
import Testing

@Suite("Message framer")
struct MessageFramerTests {
    private func frames(_ chunks: [String], maxMessageSize: Int = MessageFramer.defaultMaxMessageSize) throws -> [String] {
        var framer = MessageFramer(maxMessageSize: maxMessageSize)
        var result: [String] = []
        for chunk in chunks {
            framer.append(Array(chunk.utf8))
            while let frame = try framer.nextFrame() { result.append(String(decoding: frame, as: UTF8.self)) }
        }
        return result
    }

    @Test func splitsQEMUsCRLFStream() throws {
        let stream = "{\"QMP\": {}}\r\n{\"return\": {}}\r\n{\"event\": \"STOP\"}\r\n"
        #expect(try frames([stream]) == [#"{"QMP": {}}"#, #"{"return": {}}"#, #"{"event": "STOP"}"#])
    }

    @Test func joinsPrettyMultiLineMessages() throws {
        let pretty = "{\r\n    \"return\": {\r\n        \"status\": \"running\"\r\n    }\r\n}\r\n"
        let result = try frames([pretty])
        #expect(result.count == 1)
        #expect(try JSONValue(parsing: result[0])["return"]?["status"] == "running")
    }

    @Test func splitsInputThatIsNotLineFramed() throws {
        #expect(try frames([#"{"execute":"a"}{"execute":"b"}  {"execute":"c"}"#]).count == 3)
    }

    @Test func ignoresBracesInsideStrings() throws {
        let tricky = #"{"a": "}{\"}", "b": "\\", "c": ["]"]}"#
        #expect(try frames([tricky + "\n" + tricky]) == [tricky, tricky])
    }

    @Test func reassemblesMessagesSplitAtEveryByte() throws {
        let stream = "{\"event\": \"STOP\", \"data\": {\"x\": \"{}\\\"\"}}\r\n{\"return\": [1, 2]}\r\n"
        let bytes = Array(stream.utf8)
        for split in 0...bytes.count {
            let first = String(decoding: bytes[..<split], as: UTF8.self)
            let second = String(decoding: bytes[split...], as: UTF8.self)
            #expect(try frames([first, second]).count == 2, "split at \(split)")
        }
        #expect(try frames(stream.map { String($0) }).count == 2)
    }

    @Test func reportsGarbageAsItsOwnFrames() throws {
        #expect(try frames(["abc {\"a\": 1} ] 123 \"str\" "]) == ["abc", #"{"a": 1}"#, "]", "123", #""str""#])
    }

    @Test func rejectsOversizedMessagesAndStaysFailed() throws {
        var framer = MessageFramer(maxMessageSize: 64)
        framer.append(Array(#"{"return": "\#(String(repeating: "x", count: 100))"}"#.utf8))
        #expect(throws: QMPError.self) { try framer.nextFrame() }
        framer.append(Array(#"{"return": {}}"#.utf8))
        do {
            _ = try framer.nextFrame()
            Issue.record("a failed framer produced a frame")
        } catch {
            #expect(error.code == .messageTooLarge)
            #expect(error.message.contains("64"))
        }
    }

    @Test func rejectsAnOversizedMessageBeforeItEnds() throws {
        var framer = MessageFramer(maxMessageSize: 1_000)
        framer.append(Array("{\"return\": \"".utf8))
        for _ in 0..<20 { framer.append([UInt8](repeating: UInt8(ascii: "x"), count: 100)) }
        #expect(throws: QMPError.self) { try framer.nextFrame() }
    }

    @Test func handlesALargeSchemaSizedLine() throws {
        let element = #"{"name": "query-status", "meta-type": "command", "arg-type": "0", "ret-type": "1"}"#
        let line = "{\"return\": [" + Array(repeating: element, count: 3_000).joined(separator: ", ") + "]}\r\n"
        let chunks = stride(from: 0, to: line.utf8.count, by: 65_536).map { start in
            String(decoding: Array(line.utf8)[start..<min(start + 65_536, line.utf8.count)], as: UTF8.self)
        }
        let result = try frames(chunks)
        #expect(result.count == 1)
        #expect(try JSONValue(parsing: result[0])["return"]?.arrayValue?.count == 3_000)
    }

    @Test(arguments: 0..<10)
    func randomBytesNeverCrashTheFramer(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let interesting: [UInt8] = Array(#"{}[]"\ ab:,"#.utf8) + [0x0D, 0x0A, 0xFF]
        var framer = MessageFramer(maxMessageSize: 256)
        for _ in 0..<200 {
            framer.append((0..<Int.random(in: 0...50, using: &rng)).map { _ in interesting.randomElement(using: &rng) ?? 0 })
            do {
                while let frame = try framer.nextFrame() {
                    #expect(!frame.isEmpty && frame.count <= 256)
                    _ = try? JSONParser.parse(frame)
                }
            } catch {
                #expect(error.code == .messageTooLarge)
                framer = MessageFramer(maxMessageSize: 256)
            }
        }
    }
}
