import Glibc
import QMPCore
@testable import QMPTransportTCP
import Testing

/// A loopback listener that never accepts, with its backlog filled: further connects to it
/// stay unanswered (Linux drops their SYN), as they do to an unreachable route.
private final class FullBacklog {
    let port: UInt16
    private var fds: [Int32] = []

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listener, raw, length) == 0, listen(listener, 0) == 0,
                      getsockname(listener, raw, &length) == 0
                else { throw POSIXFailure(errno: errno) }
            }
        }
        port = UInt16(bigEndian: address.sin_port)
        fds.append(listener)
        // Fill the accept queue: these complete the handshake and are never accepted.
        for _ in 0..<4 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = Glibc.connect(client, $0, length) }
            }
            fds.append(client)
        }
    }

    deinit { for fd in fds { close(fd) } }
}

private struct POSIXFailure: Error { let errno: Int32 }

@Suite("TCP address fallback", .serialized, .timeLimit(.minutes(1)))
struct TCPFallbackTests {
    @Test func anAddressThatTimesOutFallsBackToTheNext() async throws {
        let blackhole = try FullBacklog()
        let listener = try await TCPListener.listen(host: "127.0.0.1", port: 0)
        let live = try await Resolver.resolve(HostPort(host: "127.0.0.1", port: listener.endpoint.port))
        let dead = try await Resolver.resolve(HostPort(host: "127.0.0.1", port: blackhole.port))
        // The dead address alone times out: the precondition of the test.
        do {
            _ = try await TCPTransport.connect(to: HostPort(host: "127.0.0.1", port: blackhole.port), addresses: dead, timeout: .milliseconds(300))
            Issue.record("connecting to a full backlog succeeded; the test cannot tell a fallback")
        } catch {
            #expect(error.code == .timedOut)
        }
        let accepted = Task { try await listener.accept() }
        let transport = try await TCPTransport.connect(
            to: HostPort(host: "127.0.0.1", port: listener.endpoint.port), addresses: dead + live, timeout: .milliseconds(300)
        )
        _ = try await accepted.value
        await transport.close()
        await listener.close()
    }
}
