@testable import QMPMock
import Testing

/// Found in review: a recorded gap past what an `Int64` of microseconds holds trapped when
/// replayed with recorded timing (times -5e12 and 5e12 parse; their gap does not fit).
@Suite("Replay gaps")
struct ReplayGapTests {
    @Test(arguments: [1e13, Double.infinity, Double.greatestFiniteMagnitude])
    func gapsBeyondADurationWaitTheLongestOne(gap: Double) {
        #expect(ReplayTransport.delay(forGap: gap) == .microseconds(Int64(Double(Int64.max / 1_000_000) * 1_000_000)))
    }

    @Test func ordinaryGapsWaitToTheMicrosecond() {
        #expect(ReplayTransport.delay(forGap: 0.2) == .milliseconds(200))
        #expect(ReplayTransport.delay(forGap: 0.000_001) == .microseconds(1))
    }
}
