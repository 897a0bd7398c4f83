import Synchronization

/// Messages waiting to be written, drained by one writer task per session.
///
/// Callers never write to the transport themselves: the single writer keeps
/// writes from interleaving (the ``Transport`` contract) and, when many
/// commands are pipelined, sends everything queued since the last write in one
/// call.
final class OutboundQueue: Sendable {
    /// One write: bytes, and any file descriptors that must travel with them.
    struct Item: Sendable {
        var bytes: [UInt8]
        var fileDescriptors: [Int32]
    }

    private struct State {
        var items: [Item] = []
        var writer: CheckedContinuation<[Item]?, Never>?
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Queues `item`; `false` when the queue is closed.
    func enqueue(_ item: Item) -> Bool {
        let writer: CheckedContinuation<[Item]?, Never>?
        do {
            writer = try state.withLock { state throws(ClosedQueue) in
                guard !state.isClosed else { throw ClosedQueue() }
                if let writer = state.writer {
                    state.writer = nil
                    return writer
                }
                state.items.append(item)
                return nil
            }
        } catch {
            return false
        }
        writer?.resume(returning: [item])
        return true
    }

    /// Everything queued, waiting until there is something; `nil` once closed.
    func next() async -> [Item]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Item]?, Never>) in
            let ready: [Item]?? = state.withLock { state in
                if !state.items.isEmpty {
                    defer { state.items = [] }
                    return .some(state.items)
                }
                if state.isClosed { return .some(nil) }
                state.writer = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Stops accepting items and ends the writer's wait.
    func close() {
        let writer = state.withLock { state in
            state.isClosed = true
            state.items = []
            defer { state.writer = nil }
            return state.writer
        }
        writer?.resume(returning: nil)
    }

    private struct ClosedQueue: Error {}
}
