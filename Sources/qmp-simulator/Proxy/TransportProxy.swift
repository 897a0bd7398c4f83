import QMPCore
import QMPMock
import QMPTransportTCP
import QMPTransportUnix

/// The recording proxy where TCP is involved (listening, upstream, or both): the bytes go
/// through the library's transports; TCP carries no descriptors to pass.
enum TransportProxy {
    /// `HOST:PORT` or `[V6]:PORT` is TCP; anything else a Unix socket path.
    static func isTCP(_ address: String) -> Bool {
        guard !address.contains("/"), let colon = address.lastIndex(of: ":") else { return false }
        let port = address[address.index(after: colon)...]
        return !port.isEmpty && port.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func connect(_ upstream: String) async throws -> any Transport {
        if isTCP(upstream) { return try await TCPTransport.connect(to: try HostPort(parsing: upstream)) }
        return try await UnixSocketTransport.connect(path: upstream)
    }

    /// Forwards `client` to a new connection to `upstream` until either side ends, and
    /// writes what passed to `path`.
    static func forward(_ client: any Transport, to upstream: String, recordingTo path: String) async throws {
        let server = try await connect(upstream)
        let recorder = ProxyRecorder()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while let bytes = try? await server.receive() {
                    recorder.record(bytes, direction: .fromServer)
                    guard (try? await client.send(bytes)) != nil else { break }
                }
                recorder.recordEndOfStream()
                await client.close()
            }
            group.addTask {
                while let bytes = try? await client.receive() {
                    recorder.record(bytes, direction: .fromClient)
                    guard (try? await server.send(bytes)) != nil else { break }
                }
                recorder.recordClientClosed()
                await server.close()
            }
        }
        try RecordingProxy.write(recorder.transcript, to: path)
    }
}
