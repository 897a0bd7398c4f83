import Foundation
import QMPCore
import QMPTestSupport
import QMPTransportUnix
import Testing

/// The peer's last bytes and its close often arrive together, before the client
/// reads: edge-triggered epoll then reports them once. The read that takes the
/// bytes must not be the last one, or the end of stream is never seen.
@Suite("Unix socket transport: the end right after the last bytes", .timeLimit(.minutes(1)))
struct EndOfStreamTests {
    @Test func seesTheEndThatArrivedWithTheLastBytes() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try await UnixSocketListener.listen(path: directory + "/eof.sock")
        async let accepted = listener.accept()
        let client = try await UnixSocketTransport.connect(path: directory + "/eof.sock")
        let server = try await accepted
        for round in 0..<20 {
            try await server.send(Array("{\"round\": \(round)}\r\n".utf8))
            if round == 19 { await server.close() }
            // Let the bytes (and, in the last round, the close) land before reading.
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await client.receive() == Array("{\"round\": \(round)}\r\n".utf8))
        }
        #expect(try await client.receive() == nil)
        await client.close()
        await listener.close()
    }
}
