import QMPCore
import Synchronization

/// Messages waiting to be written, and who may write next.
///
/// Writes must never interleave (the ``Transport`` contract) and must keep the
/// order callers queued them in, so exactly one party writes at a time: either
/// the caller that found nothing else in flight, writing its message inline
/// without waking anyone, or the session's writer task, which takes everything
/// queued since its last write and, when many commands are pipelined, sends it
/// in one call.
final class OutboundQueue: Sendable {
    /// One write: bytes, and any file descriptors that must travel with them.
    struct Item: Sendable {
        var bytes: [UInt8]
        var fileDescriptors: [Int32]
    }

    private enum Writer {
        /// A caller writing its own message inline.
        case caller
        /// The writer task, with a batch it took from the queue.
        case task
    }

    private struct State {
        var items: [Item] = []
        /// The writer task, parked until there is something to write.
        var parkedWriter: CheckedContinuation<[Item]?, Never>?
        /// Who is writing now; `nil` when nobody is.
        var writing: Writer?
        var isClosed = false
    }

    private enum Admission {
        case closed
        case writeInline
        case queued(wake: (CheckedContinuation<[Item]?, Never>, [Item])?)
    }

    private let state = Lock(State())

    /// Queues `item`, or, if `mayWriteInline` and nothing is queued or being
    /// written, writes it straight away with `writeNow`; `false` when the queue
    /// is closed.
    ///
    /// `writeNow` must not wait: it returns how many bytes it wrote, and the rest
    /// goes to the writer task. Messages with file descriptors always go to the
    /// writer task, which has the transport's descriptor-passing `send`.
    func enqueue(_ item: Item, mayWriteInline: Bool = true, writeNow: ([UInt8]) -> Int) -> Bool {
        let admission = state.withLock { state -> Admission in
            guard !state.isClosed else { return .closed }
            if mayWriteInline && state.writing == nil && state.items.isEmpty && item.fileDescriptors.isEmpty {
                state.writing = .caller
                return .writeInline
            }
            state.items.append(item)
            return .queued(wake: Self.handOff(&state))
        }
        switch admission {
        case .closed:
            return false
        case .queued(let wake):
            if let (writer, items) = wake { writer.resume(returning: items) }
            return true
        case .writeInline:
            let written = writeNow(item.bytes)
            let rest = written >= item.bytes.count
                ? nil : Item(bytes: Array(item.bytes[max(written, 0)...]), fileDescriptors: [])
            finishInlineWrite(leaving: rest)
            return true
        }
    }

    /// Ends a caller's inline write: what it left unwritten goes first, ahead of
    /// anything queued meanwhile, and the writer task takes over if there is work.
    private func finishInlineWrite(leaving rest: Item?) {
        let wake = state.withLock { state -> (CheckedContinuation<[Item]?, Never>, [Item])? in
            state.writing = nil
            guard !state.isClosed else { return nil }
            if let rest { state.items.insert(rest, at: 0) }
            return Self.handOff(&state)
        }
        if let (writer, items) = wake { writer.resume(returning: items) }
    }

    /// Gives the queue to the parked writer task when nobody is writing.
    private static func handOff(_ state: inout State) -> (CheckedContinuation<[Item]?, Never>, [Item])? {
        guard let writer = state.parkedWriter, let items = takeBatch(&state) else { return nil }
        state.parkedWriter = nil
        return (writer, items)
    }

    /// Everything queued, for the writer task to write now, unless someone is writing or nothing is queued.
    private static func takeBatch(_ state: inout State) -> [Item]? {
        guard state.writing == nil, !state.items.isEmpty else { return nil }
        state.writing = .task
        defer { state.items = [] }
        return state.items
    }

    /// For the writer task: everything queued, waiting until there is something
    /// and nobody else is writing; `nil` once closed. Calling it again means the
    /// previous batch is written.
    func next() async -> [Item]? {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Item]?, Never>) in
            let ready: [Item]?? = state.withLock { state in
                if state.writing == .task { state.writing = nil }
                if state.isClosed { return .some(nil) }
                if let batch = Self.takeBatch(&state) { return .some(batch) }
                state.parkedWriter = continuation
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
            defer { state.parkedWriter = nil }
            return state.parkedWriter
        }
        writer?.resume(returning: nil)
    }
}
