import QMPCore
import QMPEvents
import QMPTestSupport

/// One task waiting in `get()` and one iterating, on the same listener: both are waiting
/// when this returns, so what ends them next is what the test did.
struct WaitingReaders {
    let get: Task<Result<Event, QMPError>, Never>
    let iteration: Task<Int, any Error>

    init<Filter>(on listener: Listener<Filter>) async throws {
        get = Task { () -> Result<Event, QMPError> in
            do throws(QMPError) { return .success(try await listener.get()) } catch { return .failure(error) }
        }
        iteration = Task { () throws(QMPError) -> Int in
            var count = 0
            for try await _ in listener { count += 1 }
            return count
        }
        try await waitUntil("get() and the iteration wait") { listener.waitingReaderCount == 2 }
    }
}
