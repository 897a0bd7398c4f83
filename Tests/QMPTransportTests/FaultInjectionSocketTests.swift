import Glibc
import QMP
import QMPCore
import QMPMock
import QMPSocketSupport
import QMPTestSupport
@testable import QMPTransportUnix
import Synchronization
import Testing

/// Counts what the socket's fault hook is asked, shared with whichever thread reads or writes.
private final class SyscallCounter: Sendable {
    private let counts = Lock((read: 0, write: 0))

    /// Counts a call in `direction`; returns how many there have been, this one included.
    func count(_ direction: Reactor.Direction) -> Int {
        counts.withLock { counts in
            switch direction {
            case .read:
                counts.read += 1
                return counts.read
            case .write:
                counts.write += 1
                return counts.write
            }
        }
    }

    func calls(_ direction: Reactor.Direction) -> Int {
        counts.withLock { direction == .read ? $0.read : $0.write }
    }
}

/// Read attempts as they start, once watched: awaited rather than polled, so a loaded
/// machine running the whole suite at once does not turn a trickle into endless spinning.
private final class ReadAttempts: Sendable {
    private let continuation = Lock<AsyncStream<Void>.Continuation?>(nil)

    /// The attempts from now on.
    func watch() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        self.continuation.withLock { $0 = continuation }
        return stream
    }

    func started() {
        continuation.withLock { _ = $0?.yield() }
    }
}

/// Faults at the socket: interrupted system calls, a peer so slow that every read
/// finds nothing and waits, a peer that stops reading while it keeps sending.
@Suite("Injected socket faults", .timeLimit(.minutes(1)))
struct FaultInjectionSocketTests {
    @Test func eintrStormsOnEveryReadAndWriteAreRetried() async throws {
        let counter = SyscallCounter()
        // Three EINTRs before every real read and write.
        let (client, _, server) = try makePair { counter.count($0) % 4 == 0 ? nil : EINTR }
        let serving = Task { await SimulatedQEMU().serve(server) }
        let qmp = QMPClient()
        try await qmp.connect(client)
        try await qmp.execute("stop")
        #expect(try await qmp.execute("query-status")["status"] == "paused")
        try await withThrowingTaskGroup(of: JSONValue.self) { group in
            for _ in 0..<20 { group.addTask { try await qmp.execute("query-status") } }
            for try await status in group { #expect(status["status"] == "paused") }
        }
        // Four round trips at least (negotiation, stop, query-status, the pipelined batch),
        // each write and read interrupted three times.
        #expect(counter.calls(.write) >= 4 * 4)
        #expect(counter.calls(.read) >= 4 * 4)
        await qmp.disconnect()
        await serving.value
    }

    @Test func aPeerTricklingOneByteAtATimeMakesEveryReadWaitAndStillParses() async throws {
        let reads = ReadAttempts()
        let (client, connection, server) = try makePair { direction in
            if direction == .read { reads.started() }
            return nil
        }
        defer { connection.close() }
        let qmp = QMPClient()
        async let connected = qmp.connect(client)
        var peer = PeerReader()
        try await peer.negotiate(over: server)
        _ = try await connected
        async let status = qmp.execute("query-status")
        let command = try await peer.next(from: server)
        try await waitUntil("a reader waits") { connection.waiterCount(.read) == 1 }
        // The reader waits, so no attempt is missed between here and the first byte.
        var attempts = reads.watch().makeAsyncIterator()
        let id = command.id.map { #", "id": \#($0.description)"# } ?? ""
        // A byte at a time, each once the client has read the one before, found the
        // socket empty (EAGAIN) and waits again.
        for byte in Array(#"{"return": {"status": "running", "running": true}\#(id)}"#.utf8) + [13, 10] {
            try await server.send([byte])
            _ = await attempts.next(isolation: nil)
            _ = await attempts.next(isolation: nil)
            try await waitUntil("a reader waits") { connection.waiterCount(.read) == 1 }
        }
        #expect(try await status["status"] == "running")
        await qmp.disconnect()
    }

    @Test func aPeerThatStopsReadingStillDeliversEventsAndPendingCallsEndWhenItGoes() async throws {
        let (client, connection, server) = try makePair()
        let qmp = QMPClient()
        let listener = Listener(EventNames("RESUME"))
        try qmp.register(listener)
        async let connected = qmp.connect(client)
        var peer = PeerReader()
        try await peer.negotiate(over: server)
        _ = try await connected

        // The peer reads nothing from now on: a few megabytes of commands fill the socket.
        let large: JSONObject = ["data": .string(String(repeating: "x", count: 1 << 20))]
        let calls = (0..<4).map { _ in Task { try await qmp.execute("guest-file-write", arguments: large) } }
        try await waitUntil("a writer waits") { connection.waiterCount(.write) == 1 }
        let event = #"{"event": "RESUME", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}}"#
        let eventCount = 1_000
        try await server.send(Array(String(repeating: event + "\r\n", count: eventCount).utf8))
        for _ in 0..<eventCount { #expect(try await listener.get().name == "RESUME") }
        #expect(connection.waiterCount(.write) == 1, "the writer still waits for the peer to read")
        let late = await #expect(throws: QMPError.self) { try await qmp.execute("query-status", timeout: .milliseconds(50)) }
        #expect(late?.code == .timedOut)

        await server.close()
        for call in calls {
            let error = await #expect(throws: QMPError.self) { try await call.value }
            #expect(error?.code == .disconnected, "\(String(describing: error))")
        }
    }

    /// Both ends of a socket pair as transports, and the client's connection to watch its
    /// waiters; `injectedErrno` goes to the client's connection.
    private func makePair(
        injectedErrno: (@Sendable (Reactor.Direction) -> Int32?)? = nil
    ) throws -> (client: UnixSocketTransport, connection: SocketConnection, server: UnixSocketTransport) {
        let (mine, theirs) = try makeSocketPair()
        let connection: SocketConnection
        do {
            connection = try SocketConnection(fd: mine, peer: "pair", injectedErrno: injectedErrno)
        } catch {
            close(theirs)
            throw error
        }
        let server = UnixSocketTransport(path: "pair", connection: try SocketConnection(fd: theirs, peer: "pair"))
        return (UnixSocketTransport(path: "pair", connection: connection), connection, server)
    }
}

/// The peer's side of reading: whole messages from whatever chunks arrive.
private struct PeerReader {
    private var framer = MessageFramer()

    /// Sends a greeting and accepts the client's qmp_capabilities.
    mutating func negotiate(over transport: some Transport) async throws {
        try await transport.send(Array(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#.utf8) + [13, 10])
        let capabilities = try await next(from: transport)
        try await transport.send(Array(#"{"return": {}, "id": \#(capabilities.id?.description ?? "null")}"#.utf8) + [13, 10])
    }

    mutating func next(from transport: some Transport) async throws -> Message {
        while true {
            if let frame = try framer.nextFrame() { return try Message(parsing: frame) }
            guard let chunk = try await transport.receive() else { throw QMPError(.disconnected, "the client closed the connection") }
            framer.append(chunk)
        }
    }
}
