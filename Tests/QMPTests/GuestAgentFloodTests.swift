import Foundation
import QMP
import QMPCore
import Synchronization
import Testing

/// A peer that floods the channel instead of answering the handshake.
@Suite("Guest agent handshake against a flood", .timeLimit(.minutes(1)))
struct GuestAgentFloodTests {
    /// Has bytes of no message ready at every read, until closed.
    final class FloodingTransport: Transport {
        private static let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)
        private let closed = Atomic<Bool>(false)
        var isClosed: Bool { closed.load(ordering: .acquiring) }

        func send(_ bytes: [UInt8]) async throws {}
        func receive() async throws -> [UInt8]? { isClosed ? nil : Self.chunk }
        func close() async { closed.store(true, ordering: .releasing) }
    }

    @Test func moreStaleOutputThanAFewMessagesFailsTheHandshake() async throws {
        var configuration = QMPClient.Configuration()
        configuration.maxMessageSize = 4096
        let transport = FloodingTransport()
        let client = QMPClient(configuration: configuration)
        let error = await expectQMPError(.messageTooLarge) {
            try await client.connectToGuestAgent(transport, timeout: nil)
        }
        #expect(error?.message.contains("without answering guest-sync-delimited") == true)
        #expect(transport.isClosed)
        #expect(client.runState == .idle)
    }

    /// Found in review: the handshake's read loop never suspended against a flood, so it
    /// held its thread; with every thread of the pool so held, the deadline's timer never
    /// ran and the connects never returned.
    @Test func floodedHandshakesOnEveryThreadStillTimeOut() async throws {
        let configuration = {
            var unbounded = QMPClient.Configuration()
            unbounded.maxMessageSize = .max / 8
            return unbounded
        }()
        let count = ProcessInfo.processInfo.activeProcessorCount + 1
        let codes = await withTaskGroup(of: QMPError.Code?.self) { group in
            for _ in 0..<count {
                group.addTask {
                    do throws(QMPError) {
                        try await QMPClient(configuration: configuration)
                            .connectToGuestAgent(FloodingTransport(), timeout: .milliseconds(300))
                        return nil
                    } catch {
                        return error.code
                    }
                }
            }
            var codes: [QMPError.Code?] = []
            for await code in group { codes.append(code) }
            return codes
        }
        #expect(codes == Array(repeating: .timedOut, count: count))
    }

    @Test func aFloodedHandshakeIsCancelled() async throws {
        let transport = FloodingTransport()
        let client = QMPClient()
        let connecting = Task { () async -> QMPError.Code? in
            do throws(QMPError) {
                try await client.connectToGuestAgent(transport, timeout: nil)
                return nil
            } catch {
                return error.code
            }
        }
        connecting.cancel()
        #expect(await connecting.value == .cancelled)
    }
}
