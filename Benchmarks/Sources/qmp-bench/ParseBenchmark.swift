import Foundation
import QMP

/// Scenario 1: JSON parsing, ours against Foundation's JSONSerialization.
enum ParseBenchmark {
    static let eventLine = Array(#"{"timestamp": {"seconds": 1700000000, "microseconds": 123456}, "event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "job0"}}"#.utf8)

    static func run(schemaLine: [UInt8], iterations: Int) throws {
        for (name, line, count) in [("event line", eventLine, iterations), ("query-qmp-schema reply", schemaLine, max(20, iterations / 2_000))] {
            var sink = 0
            let data = Data(line)
            // Alternate the two in rounds and keep each one's fastest round: on a shared
            // machine that filters out the rounds another tenant slowed down.
            var ours = Double.infinity
            var foundation = Double.infinity
            let rounds = 10
            for _ in 0..<rounds {
                ours = min(ours, try timeParse(count / rounds) { sink &+= (try JSONParser.parse(line)).objectValue?.count ?? 0 })
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

    private static func timeParse(_ count: Int, _ body: () throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { try body() }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
