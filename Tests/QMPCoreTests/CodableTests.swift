import QMPCore
import Testing

@Suite("Codable bridging")
struct CodableTests {
    struct Backup: Codable, Equatable {
        var jobID: String
        var device: String
        var target: String
        var sync = "full"
        var speed: Int?
        var bitmaps: [String] = []
        var options: Options

        struct Options: Codable, Equatable {
            var compress: Bool
            var ratio: Double
        }

        enum CodingKeys: String, CodingKey {
            case jobID = "job-id", device, target, sync, speed, bitmaps, options
        }
    }

    @Test func encodesInDeclarationOrderAndOmitsNil() throws {
        let backup = Backup(jobID: "job0", device: "src", target: "dst", options: .init(compress: false, ratio: 0.5))
        let value = try JSONValueEncoder().encode(backup)
        #expect(value.objectValue?.keys == ["job-id", "device", "target", "sync", "bitmaps", "options"])
        #expect(value["options"] == ["compress": false, "ratio": 0.5])
        #expect(try JSONValueDecoder().decode(Backup.self, from: value) == backup)
    }

    @Test func roundTripsThroughText() throws {
        let backup = Backup(jobID: "j", device: "d", target: "t", speed: 1_000, bitmaps: ["a", "b"], options: .init(compress: true, ratio: 2))
        let text = try JSONValueEncoder().encode(backup).serialized()
        #expect(try JSONValueDecoder().decode(Backup.self, from: JSONValue(parsing: text)) == backup)
    }

    @Test func integersMustFit() throws {
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(UInt8.self, from: 300) }
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Int.self, from: "1") }
        #expect(try JSONValueEncoder().encode(UInt64.max) == .uint(.max), "QAPI's uint64 fits in a JSON integer")
        if #available(macOS 15, iOS 18, *) {
            #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Int128(UInt64.max) + 1) }
        }
        #expect(try JSONValueDecoder().decode(Int32.self, from: -5) == -5)
    }

    @Test func missingKeysNameThePath() throws {
        do {
            _ = try JSONValueDecoder().decode(Backup.self, from: ["job-id": "x"])
            Issue.record("decoded")
        } catch DecodingError.keyNotFound(let key, _) {
            #expect(key.stringValue == "device")
        }
    }

    @Test func jsonValueIsCodableItself() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", nil, true], "b": ["c": [:]]]
        #expect(try JSONValueDecoder().decode(JSONValue.self, from: JSONValueEncoder().encode(value)) == value)
        struct Wrapper: Codable, Equatable { var payload: JSONValue }
        let wrapped = Wrapper(payload: value)
        #expect(try JSONValueDecoder().decode(Wrapper.self, from: JSONValueEncoder().encode(wrapped)) == wrapped)
    }
}
