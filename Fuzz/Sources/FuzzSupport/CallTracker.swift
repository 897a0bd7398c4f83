import QMP
import Synchronization

/// The client calls a script started, so that each one can be cancelled and all
/// of them must be seen to end (by FuzzSession and FuzzGuestAgentHandshake).
public final class CallTracker: Sendable {
    private let tasks = Mutex<[(name: String, task: Task<Void, Never>)]>([])
    private let running = Mutex<[Int: String]>([:])

    /// A tracker with no calls.
    public init() {}

    /// Runs `body` in a task of its own; it may throw nothing but a ``QMPError``.
    @discardableResult
    public func start(_ name: String, _ body: @escaping @Sendable () async throws -> Void) -> Int {
        let index = tasks.withLock { $0.count }
        running.withLock { $0[index] = name }
        let task = Task { [self] in
            do {
                try await body()
            } catch {
                require(error is QMPError, "\(name) threw \(error), not a QMPError")
            }
            _ = self.running.withLock { $0.removeValue(forKey: index) }
        }
        tasks.withLock { $0.append((name, task)) }
        return index
    }

    /// Whether the call `start` numbered `index` is still running.
    public func isRunning(_ index: Int) -> Bool {
        running.withLock { $0[index] != nil }
    }

    /// Cancels the call started `index`-th from the end (none when there are fewer).
    public func cancel(_ index: Int) {
        let task = tasks.withLock { $0.count > index ? $0[$0.count - 1 - index].task : nil }
        task?.cancel()
    }

    /// Waits until every call has ended; a call still running after `bound` is a hang.
    public func awaitAll(within bound: Duration) async {
        let ended = await poll(until: { running.withLock { $0.isEmpty } }, within: bound)
        require(ended, "\(running.withLock { Array($0.values) }) still waiting \(bound) after disconnect()")
    }
}
