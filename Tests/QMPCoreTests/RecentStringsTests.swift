@testable import QMPCore
import QMPTestSupport
import Testing

/// A framer hands back short strings it has seen before instead of building them
/// again; whatever the cache holds, every string must come back exactly as sent.
@Suite("Recent strings")
struct RecentStringsTests {
    @Test func everyLengthAndPositionComesBackExactly() {
        var recent = RecentStrings()
        var random = SplitMix64(seed: 7)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789-_é€".utf8)
        for round in 0..<5_000 {
            // A few hundred distinct strings, so slots are shared and entries pushed out.
            let length = Int.random(in: 0...15, using: &random)
            var bytes: [UInt8] = (0..<length).map { _ in alphabet[Int.random(in: 0..<36, using: &random)] }
            if round % 7 == 0 && length >= 2 { bytes.replaceSubrange(0..<2, with: Array("é".utf8)) }
            let expected = String(decoding: bytes, as: UTF8.self)
            // Padding after the string, from none (byte-wise loads) to plenty (word loads).
            let padding = Int.random(in: 0...20, using: &random)
            let buffer = bytes + [UInt8](repeating: UInt8(ascii: "\""), count: padding)
            let string = buffer.withUnsafeBytes { raw in
                recent.string(at: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: bytes.count, readable: raw.count)
            }
            #expect(string == expected, "round \(round): \(bytes)")
        }
    }

    @Test func stringsSharingASlotBothStay() {
        var recent = RecentStrings()
        func lookUp(_ text: String) -> String {
            let bytes = Array(text.utf8) + Array(repeating: 0, count: 16)
            return bytes.withUnsafeBytes { recent.string(at: $0.baseAddress!, count: text.utf8.count, readable: $0.count) }
        }
        // Many distinct strings through a 128-slot cache: each still reads back as itself.
        let words = (0..<1_000).map { "w\($0)" }
        for _ in 0..<3 { for word in words { #expect(lookUp(word) == word) } }
        #expect(lookUp("running") == "running" && lookUp("id") == "id" && lookUp("running") == "running")
    }

    @Test func aFramerReadsRepeatedAndChangingValuesAcrossMessages() throws {
        var framer = MessageFramer()
        var expected: [String] = []
        var text = ""
        for index in 0..<500 {
            let value = index % 3 == 0 ? "job\(index % 17)" : ["running", "paused", "concluded", "é€x"][index % 4]
            expected.append(value)
            text += #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "JOB_STATUS_CHANGE", "data": {"status": "\#(value)", "id": "j"}}"# + "\r\n"
        }
        // Split mid-message, so some strings sit at a chunk's very end.
        let bytes = Array(text.utf8)
        var values: [String] = []
        for chunk in stride(from: 0, to: bytes.count, by: 997) {
            framer.append(bytes[chunk..<min(chunk + 997, bytes.count)])
            while let (parsed, _) = try framer.nextParsed() {
                switch parsed {
                case .event(let event): values.append(event.data["status"]?.stringValue ?? "?")
                case .message(let message): values.append(message["data"]?["status"]?.stringValue ?? "?")
                }
            }
        }
        #expect(values == expected)
    }
}
