@testable import QMPEvents
import QMPCore
import QMPTestSupport
import Testing

/// A listener whose queue keeps the newest events and whose history keeps at least
/// as many (the built-in `events` listener) reads its unread events out of the
/// history instead of storing them twice. Driven by the same random operations,
/// it must behave exactly like a listener with a queue of its own.
@Suite("Listener state: unread events shared with the history")
struct SharedHistoryTests {
    private static func number(_ next: ListenerState.Next?) -> Int64? {
        switch next {
        case .event(let event)?: return event.data["n"]?.intValue
        case .ended?: return -1
        case .wait?, nil: return nil
        }
    }

    static let configurations: [(BufferingPolicy, Int?)] = [
        (.bufferingNewest(5), 5), (.bufferingNewest(5), 9), (.bufferingNewest(0), 3),
        (.bufferingNewest(4), nil), (.unbounded, nil),
    ]

    @Test(arguments: 0..<configurations.count)
    func behavesLikeASeparateQueue(_ configuration: Int) {
        let (policy, historyLimit) = Self.configurations[configuration]
        var shared = ListenerState(policy: policy, historyLimit: historyLimit)
        var separate = ListenerState(policy: policy, historyLimit: historyLimit, sharingHistory: false)
        #expect(shared.sharesHistory && !separate.sharesHistory)
        var random = SplitMix64(seed: UInt64(configuration))
        var counter: Int64 = 0
        for step in 0..<3_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let batch = (0..<Int.random(in: 0...7, using: &random)).map { _ in
                    counter += 1
                    return Event(name: "TICK", data: ["n": .int(counter)])
                }
                #expect(shared.accept(contentsOf: batch).isEmpty && separate.accept(contentsOf: batch).isEmpty)
            case 4..<8:
                #expect(Self.number(shared.nextIfReady()) == Self.number(separate.nextIfReady()), "step \(step)")
            case 8:
                #expect(shared.clear().map(\.data) == separate.clear().map(\.data), "step \(step)")
            default:
                shared.restart()
                separate.restart()
            }
            #expect(shared.pendingCount == separate.pendingCount, "step \(step)")
            #expect(shared.droppedCount == separate.droppedCount, "step \(step)")
            if step % 25 == 0 { #expect(shared.history.map(\.data) == separate.history.map(\.data), "step \(step)") }
        }
        #expect(shared.history.map(\.data) == separate.history.map(\.data))
    }

    @Test func sharesOnlyWhenTheHistoryHoldsEveryUnreadEvent() {
        #expect(ListenerState(policy: .bufferingNewest(1_000), historyLimit: 1_000).sharesHistory)
        #expect(!ListenerState(policy: .bufferingNewest(10), historyLimit: 9).sharesHistory)
        #expect(!ListenerState(policy: .bufferingOldest(10), historyLimit: 100).sharesHistory)
        #expect(!ListenerState(policy: .unbounded, historyLimit: 100).sharesHistory)
        #expect(!ListenerState(policy: .unbounded, historyLimit: 0).sharesHistory)
    }
}
