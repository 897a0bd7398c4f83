import Foundation
import Glibc
import QMP
import QMPSocketSupport
import QMPTestSupport
@testable import QMPTransportUnix
import QMPCore
import Synchronization
import Testing

/// The client's reader runs on the epoll thread over a socket, and shares it fairly.
@Suite("Reader on the epoll thread", .serialized, .timeLimit(.minutes(1)))
struct ReaderExecutorTests {
    @Test func eventPredicatesRunOnTheEpollThread() async throws {
        try await withConnectedUnixPair { client, server in
            let qmp = QMPClient()
            let onEpollThread = Lock<[Bool]>([])
            let listener = Listener(EventFilter { _ in
                onEpollThread.withLock { $0.append(Reactor.shared?.isCurrentThread == true) }
                return true
            })
            try qmp.register(listener)
            let serving = Task {
                try await server.send(Array(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#.utf8) + [13, 10])
                _ = try await server.receive()
                try await server.send(Array(#"{"return": {}, "id": "0"}"#.utf8) + [13, 10])
                try await server.send(Array(#"{"event": "STOP", "data": {}, "timestamp": {"seconds": 1, "microseconds": 2}}"#.utf8) + [13, 10])
            }
            try await qmp.connect(client)
            try await serving.value
            #expect(try await listener.get().name == "STOP")
            #expect(onEpollThread.withLock { $0 } == [true])
            await qmp.disconnect()
        }
    }

    /// One connection flooding without pause must not keep another's reply from its caller:
    /// both readers share the epoll thread, and the flooded one yields after large chunks.
    /// The flood comes from a thread of its own writing with blocking calls, faster than
    /// the client parses, so the flooded socket always has bytes waiting.
    @Test func aFloodedConnectionDoesNotStarveAnother() async throws {
        var pair: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        let floodFD = pair[1]
        let floodClient = UnixSocketTransport(path: "socketpair", connection: try SocketConnection(fd: pair[0], peer: "socketpair"))
        let stopFlood = Atomic<Bool>(false)
        let greeting = Array(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#.utf8) + [13, 10]
        let negotiated = Array(#"{"return": {}, "id": "0"}"#.utf8) + [13, 10]
        let line = Array(#"{"event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "job0"}, "timestamp": {"seconds": 1, "microseconds": 2}}"#.utf8) + [13, 10]
        let chunk = Array([[UInt8]](repeating: line, count: 2_000).joined())
        let writer = Thread {
            func writeAll(_ bytes: [UInt8]) -> Bool {
                (try? DescriptorPassing.blockingSend(floodFD, bytes, descriptors: [], peer: "the flooded client")) != nil
            }
            // The client's qmp_capabilities (one short line, read whole) is answered; the flood follows.
            guard writeAll(greeting) else { return }
            var command = [UInt8](repeating: 0, count: 4_096)
            guard recv(floodFD, &command, command.count, 0) > 0, writeAll(negotiated) else { return }
            while !stopFlood.load(ordering: .relaxed) { guard writeAll(chunk) else { return } }
        }
        writer.start()
        var configuration = QMPClient.Configuration()
        configuration.eventsPolicy = .bufferingNewest(10)
        let flooded = QMPClient(configuration: configuration)
        try await flooded.connect(floodClient)
        // The flood is running: its reader has handed events over.
        _ = try await flooded.events.get()
        try await withConnectedUnixPair { quietClient, quietServer in
            let quiet = QMPClient()
            let serving = Task { await serveMinimalQMP(quietServer) }
            try await quiet.connect(quietClient)
            for _ in 0..<20 { _ = try await quiet.execute("query-status") }
            await quiet.disconnect()
            _ = await serving.value
        }
        stopFlood.store(true, ordering: .relaxed)
        await flooded.disconnect()
        shutdown(floodFD, Int32(SHUT_RDWR))
        close(floodFD)
    }
}
