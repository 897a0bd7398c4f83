public import QMPCore
import Synchronization

/// A transport that hands everything to another one, with faults on the way: reads
/// cut into tiny chunks, writes split and sent partly, the stream ended in the middle
/// of a message, and a hook that runs before each write (to kill the peer, say).
public final class FaultInjectingTransport: Transport {
    /// What goes wrong, and how.
    public struct Faults: Sendable {
        /// The most bytes one ``receive()`` returns: 1 hands the client one byte at a time.
        public var maxReceiveSize = Int.max
        /// The most bytes one write to the wrapped transport carries: ``send(_:)`` passes
        /// each call on in pieces this size, and ``sendImmediately(_:)`` writes at most this
        /// many, leaving the rest of the message to ``send(_:)``.
        public var maxSendSize = Int.max
        /// Runs before each ``send(_:)`` with the bytes about to go out. With a hook,
        /// ``sendImmediately(_:)`` writes nothing, so every write passes through it.
        public var beforeSend: (@Sendable ([UInt8]) async -> Void)?

        /// The defaults inject nothing.
        public init(maxReceiveSize: Int = .max, maxSendSize: Int = .max, beforeSend: (@Sendable ([UInt8]) async -> Void)? = nil) {
            self.maxReceiveSize = maxReceiveSize
            self.maxSendSize = maxSendSize
            self.beforeSend = beforeSend
        }
    }

    private struct State {
        /// Read from the wrapped transport, not yet returned.
        var unread: [UInt8] = []
        /// How many more bytes to deliver before the stream ends; `nil`: no end planned.
        var bytesBeforeEnd: Int?
        var receives = 0
        var partialImmediateWrites = 0
    }

    private let base: any Transport
    private let faults: Faults
    private let state = Lock(State())

    /// Wraps `base`, injecting `faults`.
    public init(_ base: any Transport, _ faults: Faults) {
        self.base = base
        self.faults = faults
    }

    /// How many ``receive()`` calls returned bytes.
    public var receives: Int { state.withLock { $0.receives } }
    /// How many ``sendImmediately(_:)`` calls wrote some but not all of their bytes.
    public var partialImmediateWrites: Int { state.withLock { $0.partialImmediateWrites } }

    /// Delivers `count` more bytes, then ends the stream (and closes the wrapped
    /// transport) as if the connection dropped there.
    public func endStream(afterDelivering count: Int) {
        state.withLock { $0.bytesBeforeEnd = count }
    }

    public var readerExecutor: (any TaskExecutor)? { base.readerExecutor }

    public func send(_ bytes: [UInt8]) async throws {
        await faults.beforeSend?(bytes)
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(faults.maxSendSize, bytes.count - offset)
            try await base.send(Array(bytes[offset..<end]))
            offset = end
        }
    }

    public func sendImmediately(_ bytes: [UInt8]) -> Int {
        guard faults.beforeSend == nil else { return 0 }
        guard faults.maxSendSize < bytes.count else { return base.sendImmediately(bytes) }
        let written = base.sendImmediately(Array(bytes.prefix(faults.maxSendSize)))
        if written > 0 { state.withLock { $0.partialImmediateWrites += 1 } }
        return written
    }

    public func receive() async throws -> [UInt8]? {
        while true {
            let next = state.withLock { state -> (chunk: [UInt8]?, ended: Bool) in
                if state.bytesBeforeEnd == 0 { return (nil, true) }
                let size = min(state.unread.count, faults.maxReceiveSize, state.bytesBeforeEnd ?? .max)
                guard size > 0 else { return (nil, false) }
                let chunk = Array(state.unread.prefix(size))
                state.unread.removeFirst(size)
                state.bytesBeforeEnd = state.bytesBeforeEnd.map { $0 - size }
                state.receives += 1
                return (chunk, false)
            }
            if let chunk = next.chunk { return chunk }
            if next.ended {
                await base.close()
                return nil
            }
            guard let bytes = try await base.receive() else { return nil }
            state.withLock { $0.unread += bytes }
        }
    }

    public func close() async {
        await base.close()
    }
}
