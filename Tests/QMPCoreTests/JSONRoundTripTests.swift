import QMPCore
import QMPTestSupport
import Testing

@Suite("JSON round trips and fuzzing")
struct JSONRoundTripTests {
    @Test(arguments: 0..<20)
    func randomValuesRoundTrip(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let value = RandomJSON.value(&rng)
            let bytes = value.serializedBytes()
            #expect(bytes.allSatisfy { $0 < 0x80 }, "output must be ASCII")
            let parsed = try JSONParser.parse(bytes)
            #expect(parsed == value)
            // Member order survives too, so recordings serialize back byte for byte.
            #expect(parsed.serializedBytes() == bytes)
            #expect(try JSONValue(parsing: value.prettyPrinted()) == value)
        }
    }

    /// Found in review: a negative indent trapped (a negative repeat count).
    @Test func aNegativeIndentPrintsAsNone() {
        let value: JSONValue = ["a": [1, 2]]
        #expect(value.prettyPrinted(indent: -2) == value.prettyPrinted(indent: 0))
        #expect(value.prettyPrinted(indent: 0) == "{\n\"a\": [\n1,\n2\n]\n}")
    }

    @Test func doublesStayDoubles() throws {
        for double in [1.0, -0.5, 1e20, 1e-7, 123456789.125, .leastNonzeroMagnitude, .greatestFiniteMagnitude] {
            let text = JSONValue.double(double).serialized()
            #expect(try JSONValue(parsing: text) == .double(double), "\(text)")
        }
        #expect(JSONValue.double(.nan).serialized() == "null")
    }

    @Test func serializesQMPCommandsCompactly() {
        let command: JSONValue = ["execute": "blockdev-add", "arguments": ["driver": "null-co", "size": 1_048_576], "id": "swift-qmp-1"]
        #expect(command.serialized() == #"{"execute":"blockdev-add","arguments":{"driver":"null-co","size":1048576},"id":"swift-qmp-1"}"#)
        #expect(JSONValue.string("é\u{1}😀").serialized() == #""\u00e9\u0001\ud83d\ude00""#)
    }

    @Test(arguments: 0..<10)
    func randomBytesNeverCrashTheParser(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let interesting: [UInt8] = Array(#"{}[]",:0123456789.eE+-"\ truefalsnul"#.utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xA9, 0xED, 0xF0, 0xFF]
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in interesting.randomElement(using: &rng) ?? 0 }
            do {
                let value = try JSONParser.parse(bytes)
                #expect(try JSONParser.parse(value.serializedBytes()) == value)
            } catch {
                #expect(error.offset <= bytes.count)
            }
        }
    }

    @Test(arguments: 0..<10)
    func mutatedMessagesNeverCrashTheParser(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let message = Array(#"{"timestamp": {"seconds": 1700000000, "microseconds": 12345}, "event": "JOB_STATUS_CHANGE", "data": {"status": "concluded", "id": "job0"}}"#.utf8)
        for _ in 0..<500 {
            var bytes = message
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            if case .failure(let error) = Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
                #expect(error.offset <= bytes.count)
            }
        }
    }
}
