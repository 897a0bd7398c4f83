public import QMPCore
import Synchronization

/// Wraps any transport and records every message in both directions.
///
/// ```swift
/// let recorder = RecordingTransport(try await UnixSocketTransport.connect(path: path))
/// try await client.connect(recorder)
/// …
/// try recorder.transcript.write(to: "session.qmp")
/// ```
public final class RecordingTransport<Base: Transport>: Transport {
    /// The wrapped transport, which does the actual I/O.
    public let base: Base
    private let recordsTiming: Bool
    private let start = ContinuousClock.now
    private struct State {
        var transcript = Transcript()
        var inbound = MessageFramer()
        var outbound = MessageFramer()
        /// Bytes recorded by ``sendImmediately(_:)`` that it left for the next ``send(_:)``.
        var recordedAhead = 0
        /// Set by ``close()``: the end of stream that follows is the client's doing, not the server's.
        var closedByClient = false
    }

    private let state = Lock(State())

    /// Wraps `base`; recording starts with the first bytes either way.
    ///
    /// - Parameters:
    ///   - base: The transport to record, already connected.
    ///   - recordTiming: Also record when each message passed, for replay with recorded timing.
    public init(_ base: Base, recordTiming: Bool = false) {
        self.base = base
        self.recordsTiming = recordTiming
    }

    /// What has been recorded so far.
    public var transcript: Transcript { state.withLock { $0.transcript } }

    /// Records the messages in `bytes` as sent by the client, then sends them through ``base``.
    public func send(_ bytes: [UInt8]) async throws {
        let skip = state.withLock { state in
            defer { state.recordedAhead = max(0, state.recordedAhead - bytes.count) }
            return min(state.recordedAhead, bytes.count)
        }
        record(Array(bytes[skip...]), direction: .fromClient)
        try await base.send(bytes)
    }

    /// Passes the base transport's inline write through, recording it first: a reply can be
    /// read (and recorded) before a write returns, and must not come before its command.
    /// What it leaves unwritten goes to the next ``send(_:)``, which does not record it again.
    public func sendImmediately(_ bytes: [UInt8]) -> Int {
        record(bytes, direction: .fromClient)
        let written = max(0, base.sendImmediately(bytes))
        state.withLock { $0.recordedAhead = bytes.count - min(written, bytes.count) }
        return written
    }

    /// The base transport's: recording does not change where the reader runs.
    public var readerExecutor: (any TaskExecutor)? { base.readerExecutor }

    /// Receives through ``base`` and records each complete message from the server;
    /// the end of stream is recorded as `<- EOF` when the server closed, not after ``close()``:
    /// a replay of the recording would otherwise close on the client before it is done.
    public func receive() async throws -> [UInt8]? {
        guard let bytes = try await base.receive() else {
            let time = timestamp()
            state.withLock { state in
                if !state.closedByClient { state.transcript.entries.append(.init(direction: .fromServer, time: time, text: nil)) }
            }
            return nil
        }
        record(bytes, direction: .fromServer)
        return bytes
    }

    /// Closes ``base``; the transcript recorded so far stays readable.
    public func close() async {
        state.withLock { $0.closedByClient = true }
        await base.close()
    }

    private func timestamp() -> Double? {
        guard recordsTiming else { return nil }
        let elapsed = ContinuousClock.now - start
        // Microseconds, the precision of the text form, so a transcript equals its reparsed text.
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        return Double(micros) / 1_000_000
    }

    /// A frame as one transcript line: verbatim, unless it spans lines (QEMU's `pretty=on`),
    /// when it is written again on one, in QEMU's spacing, so that the transcript loads again.
    private static func line(for frame: ArraySlice<UInt8>) -> String {
        guard frame.contains(where: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }),
              let value = try? JSONParser.parse(Array(frame))
        else { return String(decoding: frame, as: UTF8.self) }
        return String(decoding: value.serializedBytesQEMUStyle(), as: UTF8.self)
    }

    private func record(_ bytes: [UInt8], direction: Transcript.Direction) {
        let time = timestamp()
        state.withLock { state in
            // A message too large for the framer is left unrecorded; the client reports it.
            func drain(_ framer: inout MessageFramer) -> [Transcript.Entry] {
                var entries: [Transcript.Entry] = []
                while let frame = try? framer.nextFrame() {
                    // A guest agent's 0xFF (never part of JSON) is framed as a run of its own.
                    if frame.allSatisfy({ $0 == 0xFF }) {
                        entries += frame.map { _ in .init(direction: direction, time: time, text: Transcript.Entry.delimiterText) }
                    } else {
                        entries.append(.init(direction: direction, time: time, text: Self.line(for: frame)))
                    }
                }
                return entries
            }
            if direction == .fromServer {
                state.inbound.append(bytes)
                state.transcript.entries += drain(&state.inbound)
            } else {
                state.outbound.append(bytes)
                state.transcript.entries += drain(&state.outbound)
            }
        }
    }
}
