/// Waits until `condition` holds or `bound` passes; whether it holds.
///
/// Yields first, since what a harness waits for (a task started a moment ago) is
/// usually a few scheduling rounds away and a timer's granularity would dominate
/// each input; then sleeps, so a long wait does not spin.
public func poll(until condition: () -> Bool, within bound: Duration) async -> Bool {
    let deadline = ContinuousClock.now + bound
    var spins = 0
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        spins += 1
        if spins < 200 {
            await Task.yield()
        } else {
            try? await Task.sleep(for: .microseconds(500))
        }
    }
    return true
}
