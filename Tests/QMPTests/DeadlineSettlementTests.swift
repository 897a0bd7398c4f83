@testable import QMP
import QMPCore
import Testing

/// Found in review: a connect cancelled (or timed out) just as it succeeded ended the
/// session it had already handed back. Whichever of the two settles first now wins.
@Suite("Connect deadline settlement")
struct DeadlineSettlementTests {
    @Test func aStopAfterTheBodyFinishedIsIgnored() {
        let settlement = DeadlineSettlement()
        #expect(settlement.finish() == nil)
        #expect(!settlement.stop(with: .cancelled("connecting")))
    }

    @Test func aBodyFinishingAfterAStopReportsTheStop() {
        let settlement = DeadlineSettlement()
        #expect(settlement.stop(with: QMPError(.timedOut, "timed out")))
        #expect(!settlement.stop(with: .cancelled("connecting")))
        #expect(settlement.finish()?.code == .timedOut)
    }

}
