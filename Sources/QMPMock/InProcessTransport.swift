public import QMPCore
import Synchronization

/// One end of an in-memory byte pipe: what one side sends, the other receives.
///
/// ```swift
/// let (client, server) = InProcessTransport.makePair()
/// Task { await SimulatedQEMU().serve(server) }
/// try await QMPClient().connect(client)
/// ```
public final class InProcessTransport: Transport {
    private let inbound: ByteChannel
    private let outbound: ByteChannel

    private init(inbound: ByteChannel, outbound: ByteChannel) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Two connected ends.
    public static func makePair() -> (InProcessTransport, InProcessTransport) {
        let aToB = ByteChannel()
        let bToA = ByteChannel()
        return (InProcessTransport(inbound: bToA, outbound: aToB), InProcessTransport(inbound: aToB, outbound: bToA))
    }

    /// Queues `bytes` for the peer; it never waits, since the pipe is unbounded.
    /// - Throws: ``QMPError/Code/disconnected`` once the peer closed, or this end closed
    ///   or called ``finishWriting()``.
    public func send(_ bytes: [UInt8]) async throws {
        guard write(bytes) else { throw QMPError(.disconnected, "the in-process peer closed the connection") }
    }

    /// Queues `bytes` for the peer at once, without suspending; `false` once closed.
    /// For tests that script one end by hand and need their writes ordered.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        outbound.push(bytes)
    }

    /// Ends the stream toward the peer (it reads end of stream) but keeps reading.
    public func finishWriting() {
        outbound.finish()
    }

    /// Everything the peer has sent since the last call, joined; waits when there is
    /// nothing yet. `nil` once the peer stopped writing (or this end closed) and all
    /// is read, or when the task is cancelled.
    public func receive() async throws -> [UInt8]? {
        await inbound.pop()
    }

    /// Ends both directions: the peer reads end of stream, and our pending receive returns `nil`.
    public func close() async {
        outbound.finish()
        inbound.finish()
    }
}

/// An unbounded queue of chunks with one reader, used by ``InProcessTransport``.
final class ByteChannel: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var isFinished = false
        var waiter: CheckedContinuation<[UInt8]?, Never>?
    }

    private let state = Lock(State())

    /// Queues `chunk`; `false` once finished.
    func push(_ chunk: [UInt8]) -> Bool {
        let outcome: (accepted: Bool, waiter: CheckedContinuation<[UInt8]?, Never>?) = state.withLock { state in
            guard !state.isFinished else { return (false, nil) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (true, waiter)
            }
            state.chunks.append(chunk)
            return (true, nil)
        }
        outcome.waiter?.resume(returning: chunk)
        return outcome.accepted
    }

    func finish() {
        let waiter = state.withLock { state in
            state.isFinished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Everything queued, joined; `nil` when finished and drained or when the task is cancelled.
    func pop() async -> [UInt8]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
                let ready: [UInt8]?? = state.withLock { state in
                    if state.head < state.chunks.count {
                        // Hand over everything at once: fewer wakeups under floods.
                        var joined = state.chunks[state.head]
                        for chunk in state.chunks[(state.head + 1)...] { joined.append(contentsOf: chunk) }
                        state.chunks.removeAll(keepingCapacity: true)
                        state.head = 0
                        return .some(joined)
                    }
                    if state.isFinished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
