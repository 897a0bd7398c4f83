import Foundation
import QMPCore
import QMPMock
import Synchronization

/// `--proxy UPSTREAM --record FILE` between Unix sockets: stands where a client expects
/// QEMU, passes every byte and every descriptor both ways to the QEMU at UPSTREAM, and
/// writes what went through as a transcript that `--replay` serves. (With TCP on either
/// side, ``TransportProxy`` does the same without descriptors.)
///
/// Clients are served one after another, like the simulator's; the first connection's
/// transcript goes to FILE, the second's to FILE.2, and so on. Each is written when its
/// connection ends, and the one in progress when the proxy is stopped by a signal.
final class RecordingProxy: Sendable {
    private let listener: UnixStream
    private let upstream: String
    private let recordPath: String
    private let current = Lock<(recorder: ProxyRecorder, path: String)?>(nil)

    init(listeningAt path: String, upstream: String, recordPath: String) throws(QMPError) {
        listener = try UnixStream.listen(path: path)
        self.upstream = upstream
        self.recordPath = recordPath
    }

    /// Serves clients until the process ends; call on a thread of its own (it blocks).
    func run(report: @Sendable (String) -> Void) {
        var number = 1
        while true {
            let client: UnixStream
            do {
                client = try listener.accept()
            } catch {
                report("qmp-simulator: \(error)")
                return
            }
            let path = number == 1 ? recordPath : "\(recordPath).\(number)"
            number += 1
            do {
                try forward(client, recordingTo: path)
            } catch {
                report("qmp-simulator: \(error)")
            }
            client.close()
        }
    }

    /// Writes the transcript of the connection in progress, if any (the signal handler's).
    func writeCurrent() throws(QMPError) {
        guard let (recorder, path) = current.withLock({ $0 }) else { return }
        try Self.write(recorder.transcript, to: path)
    }

    /// Through a temporary file renamed into place, so a reader never sees half a transcript.
    static func write(_ transcript: Transcript, to path: String) throws(QMPError) {
        let temporary = path + ".tmp-\(getpid())"
        try transcript.write(to: temporary)
        guard rename(temporary, path) == 0 else {
            throw QMPError(.invalidState, "cannot write transcript \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func forward(_ client: UnixStream, recordingTo path: String) throws(QMPError) {
        let server = try UnixStream.connect(path: upstream)
        defer { server.close() }
        let recorder = ProxyRecorder()
        current.withLock { $0 = (recorder, path) }
        let done = DispatchGroup()
        let serverFailure = Lock<QMPError?>(nil)
        done.enter()
        Thread.detachNewThread {
            // QEMU to the client: replies, events, and the end of stream after quit.
            serverFailure.withLock { $0 = Self.pass(from: server, to: client, recorder, .fromServer) }
            recorder.recordEndOfStream()
            client.shutdownWrites()
            done.leave()
        }
        // The client to QEMU, with the descriptors it attaches (getfd, add-fd).
        let clientFailure = Self.pass(from: client, to: server, recorder, .fromClient)
        recorder.recordClientClosed()
        server.shutdownWrites()
        done.wait()
        current.withLock { $0 = nil }
        try Self.write(recorder.transcript, to: path)
        if let failure = clientFailure ?? serverFailure.withLock({ $0 }) { throw failure }
    }

    /// Passes bytes and descriptors from `source` to `destination` until the end of the
    /// stream or a failure, which it returns (a message with more descriptors than one
    /// takes ends the connection rather than reach QEMU without them).
    private static func pass(
        from source: UnixStream, to destination: UnixStream, _ recorder: ProxyRecorder, _ direction: Transcript.Direction
    ) -> QMPError? {
        do {
            while let message = try source.receive() {
                defer { for descriptor in message.descriptors { close(descriptor) } }
                recorder.record(message.bytes, direction: direction)
                try destination.send(message.bytes, descriptors: message.descriptors)
            }
            return nil
        } catch where error.errno == EPIPE || error.errno == ECONNRESET {
            return nil  // A peer that went away ends the connection as its end of stream does.
        } catch {
            return error
        }
    }
}
