import Foundation
import QMP

/// Scenario 1: JSON parsing, ours against Foundation's JSONSerialization.
enum ParseBenchmark {
    static let eventLine = Array(#"{"timestamp": {"seconds": 1700000000, "microseconds": 123456}, "event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "job0"}}"#.utf8)

    static func run(schemaLine: [UInt8], iterations: Int) throws {
        // One framer for every line, as a connection's reader has: it remembers recent strings.
        var framer = MessageFramer()
        let inputs: [(name: String, line: [UInt8], count: Int, parse: ([UInt8]) throws -> Int)] = [
            ("event line", eventLine, iterations, { try JSONParser.parse($0).objectValue?.count ?? 0 }),
            // What the client's reader does with an event: MessageFramer's path for QEMU's layout.
            ("event line into an Event (reader path)", eventLine, iterations, { try parseEventAsReader($0, framer: &framer) }),
            ("query-qmp-schema reply", schemaLine, max(20, iterations / 2_000), { try JSONParser.parse($0).objectValue?.count ?? 0 }),
        ]
        for (name, line, count, parse) in inputs {
            var sink = 0
            let data = Data(line)
            // Alternate the two in rounds and keep each one's fastest round: on a shared
            // machine that filters out the rounds another tenant slowed down.
            var ours = Double.infinity
            var foundation = Double.infinity
            let rounds = 10
            for _ in 0..<rounds {
                ours = min(ours, try timeParse(count / rounds) { sink &+= try parse(line) })
                foundation = min(foundation, try timeParse(count / rounds) {
                    sink &+= ((try JSONSerialization.jsonObject(with: data)) as? [String: Any])?.count ?? 0
                })
            }
            ours *= Double(rounds)
            foundation *= Double(rounds)
            Measure.report([
                "scenario": "parse", "input": name, "bytes": line.count, "messages": count,
                "ours_per_s": Double(count) / ours, "ours_mb_s": Double(count * line.count) / ours / 1e6,
                "foundation_per_s": Double(count) / foundation, "foundation_mb_s": Double(count * line.count) / foundation / 1e6,
                "ratio": foundation / ours, "sink": sink % 2,
            ])
        }
    }

    /// Frames and parses one event line the way the client's reader does. Not inlined,
    /// so a profiler can measure exactly this (callgrind --toggle-collect=*parseEventAsReader*).
    @inline(never)
    static func parseEventAsReader(_ line: [UInt8], framer: inout MessageFramer) throws -> Int {
        framer.append(line)
        guard case (.event(let event), _)? = try framer.nextParsed() else { return 0 }
        return event.data.count
    }

    private static func timeParse(_ count: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { try body() }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
