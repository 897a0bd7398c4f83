import Foundation
import QMP
import QMPChildProcess
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// Faults between the client and its transport: tiny reads, split and partial writes,
/// the stream ending inside a message, the peer killed while negotiating.
@Suite("Injected transport faults", .timeLimit(.minutes(1)))
struct FaultInjectionTests {
    @Test func oneByteReadsStillDeliverEveryReplyAndEvent() async throws {
        try await withSimulator(FaultInjectingTransport.Faults(maxReceiveSize: 1)) { qmp, faulty in
            let listener = Listener(EventNames(["STOP", "RESUME"]))
            try qmp.register(listener)
            try await qmp.execute("stop")
            #expect(try await qmp.execute("query-status")["status"] == "paused")
            try await qmp.execute("cont")
            try await expectPipelinedCommandsSucceed(qmp)
            #expect(try await listener.get().name == "STOP")
            #expect(try await listener.get().name == "RESUME")
            // One receive per byte: the greeting alone is over 100 bytes.
            #expect(faulty.receives > 100)
        }
    }

    @Test func writesSplitIntoPiecesAndPartialImmediateWritesStillCarryWholeCommands() async throws {
        try await withSimulator(FaultInjectingTransport.Faults(maxSendSize: 3)) { qmp, faulty in
            // A lone command goes out through `sendImmediately`, which writes 3 bytes of it.
            try await qmp.execute("stop")
            #expect(try await qmp.execute("query-status")["status"] == "paused")
            #expect(faulty.partialImmediateWrites >= 3)
            try await expectPipelinedCommandsSucceed(qmp)
        }
    }

    @Test func endOfStreamInsideAReplyFailsEveryPendingCall() async throws {
        let peer = ScriptedPeer()
        let faulty = FaultInjectingTransport(peer.transport, FaultInjectingTransport.Faults())
        let qmp = QMPClient()
        async let greeting = qmp.connect(faulty)
        _ = try await peer.acceptNegotiation()
        _ = try await greeting
        let calls = (0..<3).map { _ in Task { _ = try await qmp.execute("query-status") } }
        let first = try #require(try await peer.nextMessage())
        for _ in 1..<3 { _ = try await peer.nextMessage() }
        // Twelve bytes of the reply reach the client, then the connection drops.
        faulty.endStream(afterDelivering: 12)
        peer.reply(to: first, #"{"return": {"status": "running", "singlestep": false, "running": true}}"#)
        for call in calls {
            let error = await #expect(throws: QMPError.self) { try await call.value }
            #expect(error?.code == .disconnected)
            #expect(error?.message.contains("end of stream") == true, "\(String(describing: error))")
        }
        #expect(qmp.lastError?.message.contains("3 commands were pending") == true)
    }

    @Test func aPeerKilledWhileNegotiatingFailsConnectAsDisconnected() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let started = try BuiltTool.start("qmp-simulator", ["--unix", path])
        let simulator = started.process
        defer {
            simulator.killAndWait()
            for fd in [started.stdin, started.stdout, started.stderr] { close(fd) }
        }
        await started.waitForStderr(containing: "listening")
        let transport = try await UnixSocketTransport.connect(path: path)
        // The greeting has arrived when the client sends qmp_capabilities: the simulator dies
        // then, before the command reaches it, and is reaped before the write goes on.
        let faulty = FaultInjectingTransport(transport, FaultInjectingTransport.Faults(beforeSend: { bytes in
            if String(decoding: bytes, as: UTF8.self).contains("qmp_capabilities") { simulator.killAndWait() }
        }))
        let qmp = QMPClient()
        let error = await #expect(throws: QMPError.self) { try await qmp.connect(faulty) }
        #expect(error?.code == .disconnected, "\(String(describing: error))")
        #expect(simulator.exitStatus == 128 + SIGKILL)
        #expect(qmp.runState == .idle)
    }

    /// Twenty commands in flight at once, each answered.
    private func expectPipelinedCommandsSucceed(_ qmp: QMPClient) async throws {
        try await withThrowingTaskGroup(of: JSONValue.self) { group in
            for _ in 0..<20 { group.addTask { try await qmp.execute("query-status") } }
            for try await status in group { #expect(status["running"] != nil) }
        }
    }

    /// Runs `body` with a client connected through `faults` over a Unix socket to the simulator.
    private func withSimulator(
        _ faults: FaultInjectingTransport.Faults,
        _ body: (QMPClient, FaultInjectingTransport) async throws -> Void
    ) async throws {
        try await withConnectedUnixPair { client, server in
            let serving = Task { await SimulatedQEMU().serve(server) }
            let faulty = FaultInjectingTransport(client, faults)
            let qmp = QMPClient()
            try await qmp.connect(faulty)
            try await body(qmp, faulty)
            await qmp.disconnect()
            await serving.value
        }
    }
}
