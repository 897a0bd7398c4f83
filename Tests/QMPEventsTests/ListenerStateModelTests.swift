@testable import QMPEvents
import QMPCore
import QMPTestSupport
import Testing

/// `ListenerState` keeps batches as slices (see `SegmentedQueue`). Driven by random
/// batches, reads, clears and restarts, it must agree at every step with a plain
/// array model of the buffering policies and the history limit.
@Suite("Listener state against an array model")
struct ListenerStateModelTests {
    /// The policies spelled out over arrays, one event at a time.
    struct Model {
        let policy: BufferingPolicy
        let historyLimit: Int?
        var queue: [Int64] = []
        var history: [Int64] = []
        var dropped = 0

        mutating func accept(_ numbers: [Int64]) {
            for number in numbers {
                if historyLimit != 0 { history.append(number) }
                if let historyLimit, history.count > historyLimit { history.removeFirst() }
                switch policy.storage {
                case .unbounded: queue.append(number)
                case .oldest(let limit):
                    if queue.count < limit { queue.append(number) } else { dropped += 1 }
                case .newest(let limit):
                    queue.append(number)
                    if queue.count > limit { queue.removeFirst(); dropped += 1 }
                }
            }
        }
    }

    private static func number(_ next: ListenerState.Next?) -> Int64? {
        switch next {
        case .event(let event)?: return event.data["n"]?.intValue
        case .ended?: return -1
        case .wait?, nil: return nil
        }
    }

    static let configurations: [(BufferingPolicy, Int?)] = [
        (.bufferingNewest(5), 5), (.bufferingNewest(5), 9), (.bufferingNewest(0), 3),
        (.bufferingNewest(4), nil), (.unbounded, nil), (.unbounded, 0), (.bufferingOldest(6), 2),
        (.bufferingOldest(0), 4), (.bufferingNewest(1_000), 1_000),
    ]

    @Test(arguments: 0..<configurations.count)
    func agreesWithTheModel(_ configuration: Int) {
        let (policy, historyLimit) = Self.configurations[configuration]
        var state = ListenerState(policy: policy, historyLimit: historyLimit)
        var model = Model(policy: policy, historyLimit: historyLimit)
        var random = SplitMix64(seed: UInt64(configuration))
        var counter: Int64 = 0
        for step in 0..<3_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                let numbers = (0..<Int.random(in: 0...9, using: &random)).map { _ in counter += 1; return counter }
                let batch = numbers.map { Event(name: "TICK", data: ["n": .int($0)]) }
                // A slice from the middle of a larger array, as a filtered batch may be.
                let padded = [Event(name: "PAD")] + batch + [Event(name: "PAD")]
                #expect(state.accept(contentsOf: padded[1..<(padded.count - 1)]).isEmpty)
                model.accept(numbers)
            case 3:
                counter += 1
                #expect(state.accept(Event(name: "TICK", data: ["n": .int(counter)])) == nil)
                model.accept([counter])
            case 4..<8:
                let expected = model.queue.isEmpty ? nil : model.queue.removeFirst()
                #expect(Self.number(state.nextIfReady()) == expected, "step \(step)")
            case 8:
                #expect(state.clear().compactMap { $0.data["n"]?.intValue } == model.queue, "step \(step)")
                model.queue = []
            default:
                state.restart()
                model.queue = []
            }
            #expect(state.pendingCount == model.queue.count, "step \(step)")
            #expect(state.droppedCount == model.dropped, "step \(step)")
            if step % 7 == 0 { #expect(state.history.compactMap { $0.data["n"]?.intValue } == model.history, "step \(step)") }
        }
        #expect(state.history.compactMap { $0.data["n"]?.intValue } == model.history)
    }
}
