import QMP
import QMPCore
import QMPMock
import Testing

/// A connection whose `close()` lingers after the stream has ended, as a socket's may while
/// the reactor lets it go: the reader is done while the end that closes it is still running.
private final class LingeringCloseTransport: Transport {
    let base: InProcessTransport
    init(_ base: InProcessTransport) { self.base = base }
    func send(_ bytes: [UInt8]) async throws { try await base.send(bytes) }
    func receive() async throws -> [UInt8]? { try await base.receive() }
    func close() async {
        await base.close()
        for _ in 0..<200 { await Task.yield() }
    }
}

/// Two ends of one session at once (here the connect timeout's and connect's own): neither
/// returns before the session is fully down, so the client is idle when connect throws.
@Suite("Ending a session from two places")
struct ConnectEndRaceTests {
    @Test func aTimedOutConnectLeavesTheClientIdle() async throws {
        for _ in 0..<20 {
            let (clientSide, qemuSide) = InProcessTransport.makePair()
            let client = QMPClient()
            // QEMU never greets: the timeout ends the session while connect waits for the greeting.
            await expectQMPError(.timedOut) {
                try await client.connect(LingeringCloseTransport(clientSide), timeout: .milliseconds(1))
            }
            #expect(client.runState == .idle)
            await qemuSide.close()
        }
    }

    @Test func disconnectReturnsOnceTheSessionIsDown() async throws {
        for _ in 0..<20 {
            let qemu = SimulatedQEMU()
            let client = QMPClient()
            try await client.connect(LingeringCloseTransport(qemu.makeClientTransport()))
            async let first: Void = client.disconnect()
            async let second: Void = client.disconnect()
            _ = await (first, second)
            #expect(client.runState == .idle)
        }
    }
}
