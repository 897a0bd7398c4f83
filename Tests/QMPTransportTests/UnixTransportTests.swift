import Foundation
import QMP
import QMPSocketSupport
import QMPTestSupport
import QMPTransportUnix
import Testing

@Suite("Unix socket transport against real QEMU", .serialized, .requiresQEMU, .timeLimit(.minutes(2)))
struct UnixTransportQEMUTests {
    @Test func connectsToQEMU() async throws {
        try await QEMUInstance.with { qemu in
            let client = QMPClient()
            let greeting = try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            #expect(greeting.version.major >= 7)
            #expect(try await client.execute("query-status")["status"] != nil)
            await client.disconnect()
        }
    }

    @Test func acceptsQEMUConnectingToUs() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/accept.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        try await QEMUInstance.with(mode: .unixClient(path: path)) { _ in
            let transport = try await listener.accept()
            await listener.close()
            #expect(!FileManager.default.fileExists(atPath: path), "closing the listener removes the socket file")
            let client = QMPClient()
            try await client.connect(transport)
            #expect(try await client.execute("query-status")["status"] != nil)
            await client.disconnect()
        }
    }

    @Test func passesFileDescriptorsWithGetfd() async throws {
        try await QEMUInstance.with { qemu in
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            let fd = open(qemu.directory + "/passed.txt", O_CREAT | O_RDWR, 0o600)
            #expect(fd >= 0)
            defer { close(fd) }
            try await client.execute("getfd", arguments: ["fdname": "log"], fileDescriptors: [fd])
            try await client.execute("closefd", arguments: ["fdname": "log"])
            do {
                try await client.execute("closefd", arguments: ["fdname": "log"])
                Issue.record("closing an unknown fd name succeeded")
            } catch let error as QMPError {
                #expect(error.code == .commandFailed)
                #expect(error.errorDescription?.contains("log") == true)
            }
            await client.disconnect()
        }
    }

    @Test func passesFileDescriptorsWithAddFd() async throws {
        try await QEMUInstance.with { qemu in
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            let fd = open(qemu.directory + "/fdset.txt", O_CREAT | O_RDWR, 0o600)
            defer { close(fd) }
            let added = try await client.execute("add-fd", arguments: ["fdset-id": 3, "opaque": "swift-qmp"], fileDescriptors: [fd])
            #expect(added["fdset-id"] == 3)
            let sets = try await client.execute("query-fdsets")
            let set = sets.arrayValue?.first { $0["fdset-id"] == 3 }
            #expect(set?["fds"]?[0]?["opaque"] == "swift-qmp")
            await client.disconnect()
        }
    }

    @Test func qemuKilledMidSessionFailsPendingCommandsPromptly() async throws {
        try await QEMUInstance.with { qemu in
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            // `stop` on a stopped -machine none VM still answers; instead block on a listener and
            // a command issued just as QEMU dies.
            let waiting = Task { try await client.events.get() }
            kill(qemu.processIdentifier, SIGKILL)
            let result = await waiting.result
            if case .failure(let error as QMPError) = result {
                #expect(error.code == .disconnected)
            } else {
                Issue.record("expected disconnected, got \(result)")
            }
            do {
                try await client.execute("query-status")
                Issue.record("a command succeeded on a dead QEMU")
            } catch let error as QMPError {
                #expect(error.code == .invalidState || error.code == .disconnected)
            }
        }
    }
}

@Suite("Unix socket transport", .serialized, .timeLimit(.minutes(2)))
struct UnixTransportTests {
    @Test func aMissingPathNamesThePathAndErrno() async throws {
        do {
            _ = try await UnixSocketTransport.connect(path: "/nonexistent/swift-qmp.sock")
            Issue.record("connected to nothing")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.errno == ENOENT)
            #expect(error.message.contains("/nonexistent/swift-qmp.sock"))
            #expect(error.message.contains("No such file or directory"))
        }
    }

    @Test func aRefusedConnectionSaysSo() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/stale.sock"
        // A socket file nobody listens on: bind, then close without listening.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        _ = try UnixAddress(path: path).bind(fd)
        close(fd)
        do {
            _ = try await UnixSocketTransport.connect(path: path)
            Issue.record("connected to a dead socket")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.errno == ECONNREFUSED)
            #expect(error.message.contains("Connection refused"))
        }
    }

    @Test func aPathTooLongIsRejected() async throws {
        let path = "/tmp/" + String(repeating: "x", count: 200)
        do {
            _ = try await UnixSocketTransport.connect(path: path)
            Issue.record("accepted a path longer than sun_path")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("too long"))
        }
    }

    @Test func peerClosingMidCommandFailsIt() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try await UnixSocketListener.listen(path: directory + "/q.sock")
        let server = Task {
            let transport = try await listener.accept()
            try await transport.send(Array(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#.utf8) + [10])
            _ = try await transport.receive()  // qmp_capabilities
            try await transport.send(Array(#"{"return": {}, "id": "0"}"#.utf8) + [10])
            _ = try await transport.receive()  // the command we never answer
            await transport.close()
        }
        let client = QMPClient()
        try await client.connect(try await UnixSocketTransport.connect(path: directory + "/q.sock"))
        do {
            try await client.execute("query-status")
            Issue.record("a command succeeded although the peer closed")
        } catch {
            #expect(error.code == .disconnected)
        }
        try await server.value
        await listener.close()
    }

    @Test func acceptIsCancellableAndCloseIsIdempotent() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener = try await UnixSocketListener.listen(path: directory + "/c.sock")
        let accepting = Task { try await listener.accept() }
        try await waitUntil("the accept waits") { listener.waitingAcceptCount == 1 }
        accepting.cancel()
        let result = await accepting.result
        if case .failure(let error as QMPError) = result {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected cancellation, got \(result)")
        }
        await listener.close()
        await listener.close()
    }

    /// Found in review: the socket was renamed over whatever file was at the path.
    @Test func aFileThatIsNotASocketIsNotReplaced() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/disk.img"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: path))
        do {
            let listener = try await UnixSocketListener.listen(path: path)
            await listener.close()
            Issue.record("listened over a regular file")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.errno == EADDRINUSE)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
    }

    /// Found in review: a second close() removed the socket file of a later listener on the path.
    @Test func closingAgainLeavesALaterListenersSocket() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/c.sock"
        let first = try await UnixSocketListener.listen(path: path)
        await first.close()
        #expect(!FileManager.default.fileExists(atPath: path))
        let second = try await UnixSocketListener.listen(path: path)
        await first.close()
        #expect(FileManager.default.fileExists(atPath: path))
        let accepting = Task { try await second.accept() }
        let client = try await UnixSocketTransport.connect(path: path)
        let accepted = try await accepting.value
        await client.close()
        await accepted.close()
        await second.close()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func closeWakesAPendingReceive() async throws {
        try await withConnectedUnixPair { transport, _ in
            let receiving = Task { try await transport.receive() }
            try await waitUntil("the receive waits") { transport.waitingReceiveCount == 1 }
            await transport.close()
            await transport.close()
            #expect(try await receiving.value == nil)
        }
    }

    /// The peer's last bytes and its close often arrive together, before the client
    /// reads: edge-triggered epoll then reports them once. The read that takes the
    /// bytes must not be the last one, or the end of stream is never seen.
    @Test func seesTheEndThatArrivedWithTheLastBytes() async throws {
        try await withConnectedUnixPair { client, server in
            for round in 0..<20 {
                let reported = client.readinessCount
                try await server.send(Array("{\"round\": \(round)}\r\n".utf8))
                if round == 19 { await server.close() }
                // The bytes (and, in the last round, the close: a Unix socket's send and close
                // take effect at the peer before they return) have landed, and epoll has
                // reported them, before the read: no later report can rescue a lost end.
                try await waitUntil("epoll reported round \(round)'s bytes") { client.readinessCount > reported }
                #expect(try await client.receive() == Array("{\"round\": \(round)}\r\n".utf8))
            }
            #expect(try await client.receive() == nil)
        }
    }

    @Test func floodingPeerDoesNotDeadlockWrites() async throws {
        try await withConnectedUnixPair { client, server in
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
            // Both sides write 16 MiB at once while reading: with blocking I/O this would deadlock.
            async let serverWrites: Void = { for _ in 0..<16 { try await server.send(chunk) } }()
            async let clientWrites: Void = { for _ in 0..<16 { try await client.send(chunk) } }()
            async let serverReads: Int = { var total = 0; while total < 16 << 20, let bytes = try await server.receive() { total += bytes.count }; return total }()
            async let clientReads: Int = { var total = 0; while total < 16 << 20, let bytes = try await client.receive() { total += bytes.count }; return total }()
            try await serverWrites
            try await clientWrites
            #expect(try await serverReads == 16 << 20)
            #expect(try await clientReads == 16 << 20)
        }
    }

    @Test func aThousandConnectionsShareOneIOThread() async throws {
        raiseFileLimit()
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/many.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        let server = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<1_000 {
                    guard let transport = try? await listener.accept() else { break }
                    group.addTask { await serveMinimalQMP(transport) }
                }
            }
        }
        // Warm up the reactor so its thread exists before the baseline is taken.
        let warmup = QMPClient()
        try await warmup.connect(try await UnixSocketTransport.connect(path: path))
        let baseline = threadCount()
        var clients: [QMPClient] = [warmup]
        for _ in 1..<1_000 {
            let client = QMPClient()
            try await client.connect(try await UnixSocketTransport.connect(path: path))
            clients.append(client)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { try await client.execute("query-status") } }
            try await group.waitForAll()
        }
        let loaded = threadCount()
        #expect(clients.allSatisfy { $0.runState == .running })
        // The cooperative pool is sized by core count, not connections; allow it to finish spinning up.
        #expect(loaded - baseline <= 8, "threads grew from \(baseline) to \(loaded) with 1,000 connections")
        for client in clients { await client.disconnect() }
        await server.value
        await listener.close()
    }
}
