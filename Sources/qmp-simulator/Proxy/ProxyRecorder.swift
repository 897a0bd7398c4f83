import QMPCore
import QMPMock
import Synchronization

/// The transcript of one proxied connection, built from the bytes as they pass: each
/// direction is framed into messages as ``RecordingTransport`` frames them.
final class ProxyRecorder: Sendable {
    private struct State {
        var transcript = Transcript()
        var fromClient = MessageFramer()
        var fromServer = MessageFramer()
        var clientClosed = false
    }

    private let state = Mutex(State())
    private let start = ContinuousClock.now

    func record(_ bytes: [UInt8], direction: Transcript.Direction) {
        let time = elapsed()
        state.withLock { state in
            if direction == .fromClient {
                Self.frame(bytes, &state.fromClient, direction, time, into: &state.transcript)
            } else {
                Self.frame(bytes, &state.fromServer, direction, time, into: &state.transcript)
            }
        }
    }

    private static func frame(
        _ bytes: [UInt8], _ framer: inout MessageFramer, _ direction: Transcript.Direction, _ time: Double, into transcript: inout Transcript
    ) {
        framer.append(bytes)
        // A message too large to frame stays unrecorded; the peers deal with it.
        while let frame = try? framer.nextFrame() {
            transcript.entries.append(.init(direction: direction, time: time, text: String(decoding: frame, as: UTF8.self)))
        }
    }

    /// The client closed its side: QEMU closing in reply is no `<- EOF` of the session.
    func recordClientClosed() {
        state.withLock { $0.clientClosed = true }
    }

    /// QEMU closed the connection (after `quit`), unless the client had gone first.
    func recordEndOfStream() {
        let time = elapsed()
        state.withLock { state in
            if !state.clientClosed { state.transcript.entries.append(.init(direction: .fromServer, time: time, text: nil)) }
        }
    }

    var transcript: Transcript { state.withLock { $0.transcript } }

    private func elapsed() -> Double {
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        return Double(micros) / 1_000_000
    }
}
