import Foundation
import QMP
import QMPTestSupport
import QMPTransportTCP
import Testing

@Suite("TCP transport", .serialized, .timeLimit(.minutes(2)))
struct TCPTransportTests {
    @Test(arguments: [
        ("localhost:4444", "localhost", UInt16(4444)),
        ("127.0.0.1:0", "127.0.0.1", 0),
        ("[::1]:4444", "::1", 4444),
        ("[fe80::1%eth0]:1", "fe80::1%eth0", 1),
    ])
    func parsesHostPort(_ text: String, _ host: String, _ port: UInt16) throws {
        let parsed = try HostPort(parsing: text)
        #expect(parsed == HostPort(host: host, port: port))
    }

    @Test(arguments: ["localhost", ":4444", "::1:4444", "host:99999", "[::1]4444", "[::1]:"])
    func rejectsMalformedHostPort(_ text: String) {
        #expect(throws: QMPError.self) { try HostPort(parsing: text) }
    }

    @Test func refusedConnectionsNameHostAndPort() async throws {
        let port = LoopbackPort.free()
        do {
            _ = try await TCPTransport.connect(host: "127.0.0.1", port: port)
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.errno == ECONNREFUSED)
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func unresolvableHostsFail() async throws {
        await #expect(throws: QMPError.self) { _ = try await TCPTransport.connect(host: "no-such-host.invalid", port: 1) }
    }

    /// A listener with a full backlog that never accepts: further connects hang in SYN_SENT.
    private func saturatedPort() throws -> (fd: Int32, port: UInt16) {
        let (fd, port) = LoopbackPort.bound()
        listen(fd, 0)
        return (fd, port)
    }

    @Test func connectTimesOutAgainstAFullBacklog() async throws {
        let (fd, port) = try saturatedPort()
        defer { close(fd) }
        let first = try? await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200))
        defer { if let first { Task { await first.close() } } }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200))
            Issue.record("connected past a full backlog")
        } catch {
            #expect(error.code == .timedOut)
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
        // Well below the minutes a SYN to a full backlog is retried for: a bound, not a speed check.
        #expect(clock.now - start < .seconds(30), "the timeout ends the attempt")
    }

    @Test func aPendingConnectIsCancellable() async throws {
        let (fd, port) = try saturatedPort()
        defer { close(fd) }
        let first = try? await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: .milliseconds(200))
        defer { if let first { Task { await first.close() } } }
        let attempt = Task { try await TCPTransport.connect(host: "127.0.0.1", port: port, timeout: nil) }
        try await waitUntil("the connect waits for the full backlog") { LoopbackPort.hasConnectInProgress(to: port) }
        attempt.cancel()
        let result = await attempt.result
        if case .failure(let error as QMPError) = result {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected cancellation, got \(result)")
        }
    }

    @Test func listenerAcceptsAClient() async throws {
        let listener = try await TCPListener.listen(host: "127.0.0.1", port: 0)
        #expect(listener.endpoint.port != 0)
        let server = Task { await serveMinimalQMP(try await listener.accept()) }
        let client = QMPClient()
        try await client.connect(try await TCPTransport.connect(to: listener.endpoint))
        #expect(try await client.execute("anything") == [:])
        await client.disconnect()
        try await server.value
        await listener.close()
    }
}

@Suite("TCP transport against real QEMU", .serialized, .requiresQEMU, .timeLimit(.minutes(2)))
struct TCPTransportQEMUTests {
    @Test func connectsOverIPv4() async throws {
        let port = LoopbackPort.free()
        try await QEMUInstance.with(mode: .tcpServer(host: "127.0.0.1", port: port)) { _ in
            let client = QMPClient()
            try await client.connect(try await TCPTransport.connect(host: "127.0.0.1", port: port))
            #expect(try await client.execute("query-status")["status"] != nil)
            await client.disconnect()
        }
    }

    @Test func connectsOverIPv6WhenAvailable() async throws {
        guard hasIPv6Loopback() else { return }
        let port = LoopbackPort.free()
        try await QEMUInstance.with(mode: .tcpServer(host: "::1", port: port)) { _ in
            let client = QMPClient()
            try await client.connect(try await TCPTransport.connect(to: HostPort(parsing: "[::1]:\(port)")))
            #expect(try await client.execute("query-status")["status"] != nil)
            await client.disconnect()
        }
    }

    @Test func acceptsQEMUConnectingOverTCP() async throws {
        let listener = try await TCPListener.listen(host: "127.0.0.1", port: 0)
        let port = listener.endpoint.port
        try await QEMUInstance.with(extraArguments: ["-qmp", "tcp:127.0.0.1:\(port)"]) { _ in
            let transport = try await listener.accept()
            let client = QMPClient()
            try await client.connect(transport)
            #expect(try await client.execute("query-status")["status"] != nil)
            await client.disconnect()
        }
        await listener.close()
    }
}
