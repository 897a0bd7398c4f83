import Dispatch

/// Runs `body` in a task and blocks libFuzzer's thread until it ends; one that does not
/// end within `bound` is a hang, recorded as a crash with the input that caused it.
public func runAsync(within bound: DispatchTimeInterval, _ what: String, _ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    require(done.wait(timeout: .now() + bound) == .success, "\(what) did not finish within \(bound)")
}
