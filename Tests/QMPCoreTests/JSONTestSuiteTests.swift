import Foundation
import QMPCore
import Testing

/// The public JSONTestSuite corpus (nst/JSONTestSuite, MIT), copied into Fixtures so CI needs nothing else.
enum JSONTestSuite {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/JSONTestSuite/test_parsing")

    static func files(prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }
}

@Suite("JSONTestSuite conformance")
struct JSONTestSuiteTests {
    @Test func theCorpusIsPresent() {
        #expect(JSONTestSuite.files(prefix: "y_").count > 90)
        #expect(JSONTestSuite.files(prefix: "n_").count > 180)
    }

    @Test("y_ files parse", arguments: JSONTestSuite.files(prefix: "y_"))
    func accepts(_ name: String) throws {
        let bytes = try JSONTestSuite.bytes(name)
        #expect(throws: Never.self) { try JSONParser.parse(bytes) }
    }

    @Test("n_ files are rejected with an offset inside the input", arguments: JSONTestSuite.files(prefix: "n_"))
    func rejects(_ name: String) throws {
        let bytes = try JSONTestSuite.bytes(name)
        do {
            let value = try JSONParser.parse(bytes)
            Issue.record("\(name) parsed as \(value)")
        } catch {
            #expect(error.offset >= 0 && error.offset <= bytes.count, "\(error)")
        }
    }

    @Test("i_ files never crash", arguments: JSONTestSuite.files(prefix: "i_"))
    func survives(_ name: String) throws {
        let bytes = try JSONTestSuite.bytes(name)
        switch Result(catching: { () throws(JSONParseError) in try JSONParser.parse(bytes) }) {
        case .success(let value):
            // Whatever is accepted comes back out as itself: numbers beyond Double's range
            // are rejected, not read as an infinity that would serialize as null.
            let reparsed = try JSONParser.parse(value.serializedBytes())
            #expect(reparsed == value)
        case .failure(let error): #expect(error.offset <= bytes.count)
        }
    }
}
