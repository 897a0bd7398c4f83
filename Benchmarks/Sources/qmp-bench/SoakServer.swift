import Foundation
import QMP
import QMPMock
import QMPTransportUnix
import Synchronization

/// The soak's peer: one simulated QEMU serving every connection on a real Unix socket,
/// with commands for floods, slow replies and dying, and a way to kill any connection.
final class SoakServer: Sendable {
    let path: String
    private let listener: UnixSocketListener
    private let simulator = SimulatedQEMU()
    /// The accepted connections still served, to kill one at random.
    private let live = Mutex<[Int: UnixSocketTransport]>([:])
    private let accepting = Mutex<Task<Void, Never>?>(nil)
    private let stopping = Mutex(false)
    /// Why accepting stopped before ``stop()``, if it did: a failure of the soak.
    let acceptErrors = Mutex<[String]>([])

    init(path: String) async throws {
        self.path = path
        listener = try await UnixSocketListener.listen(path: path)
        // `count` events on this connection, numbered from 0, before the reply.
        simulator.handle("soak-flood") { context in
            let count = context.arguments["count"]?.intValue ?? 0
            for sequence in 0..<count { context.emit("SOAK", data: ["seq": .int(sequence)]) }
            return ["count": .int(count)]
        }
        // Replies after `ms` milliseconds: commands queued behind it wait too, as in QEMU.
        simulator.handle("soak-slow") { context in
            try await Task.sleep(for: .milliseconds(context.arguments["ms"]?.intValue ?? 0))
            return [:]
        }
        // Replies, then drops the connection with whatever was sent after it unanswered.
        simulator.handle("soak-die") { context in
            context.closeAfterReply()
            return [:]
        }
        let task = Task { [self] in
            // Discarding: a plain group keeps every finished child until it is awaited,
            // which over a soak's tens of thousands of connections is a leak.
            await withDiscardingTaskGroup { group in
                var next = 0
                while true {
                    let transport: UnixSocketTransport
                    do {
                        transport = try await listener.accept()
                    } catch {
                        guard !Task.isCancelled && !self.stopping.withLock({ $0 }) else { break }
                        self.acceptErrors.withLock { $0.append("\(error)") }
                        FileHandle.standardError.write(Data("qmp-bench soak: accept failed: \(error)\n".utf8))
                        break
                    }
                    next += 1
                    let key = next
                    live.withLock { $0[key] = transport }
                    group.addTask {
                        await self.simulator.serve(transport)
                        _ = self.live.withLock { $0.removeValue(forKey: key) }
                    }
                }
            }
        }
        accepting.withLock { $0 = task }
    }

    /// Closes one connection chosen at random, as a QEMU that crashed; whether there was one.
    func killOne() async -> Bool {
        guard let victim = live.withLock({ $0.values.randomElement() }) else { return false }
        await victim.close()
        return true
    }

    var connectionCount: Int { live.withLock { $0.count } }

    func stop() async {
        stopping.withLock { $0 = true }
        await listener.close()
        for transport in live.withLock({ Array($0.values) }) { await transport.close() }
        await accepting.withLock { $0 }?.value
    }
}
