import QMPCore
import Synchronization

/// Lets commands that carry file descriptors reach QEMU one at a time, each only
/// after the previous one's reply; other commands keep pipelining around them.
///
/// Why: QEMU's socket chardev keeps only the descriptors of the latest `recvmsg`,
/// and with `oob` negotiated its monitor reads commands ahead of running them. Two
/// `getfd` sent back to back so leave the first without a descriptor ("No file
/// descriptor supplied via SCM_RIGHTS"): 14 to 15 of 16 concurrent ones failed
/// against QEMU 7.2 before this gate.
///
/// Waiters are served first come, first served; a cancelled one leaves the line.
final class DescriptorGate: Sendable {
    private typealias Waiter = CheckedContinuation<Bool, Never>

    private struct State {
        var isHeld = false
        var line: [(token: Int, waiter: Waiter)] = []
        var nextToken = 0
    }

    private let state = Lock(State())

    /// Waits for the gate; `false` when the task was cancelled first (the gate is then not held).
    nonisolated(nonsending) func enter() async -> Bool {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        return await withCancellableContinuation { (waiter: Waiter) in
            let entered: Bool? = self.state.withLock { state in
                // A cancellation handler that ran before this found no waiter to remove; the
                // flag it follows is set before it runs, and it takes this lock, so it is seen here.
                if Task.isCancelled { return false }
                guard state.isHeld else {
                    state.isHeld = true
                    return true
                }
                state.line.append((token, waiter))
                return nil
            }
            if let entered { waiter.resume(returning: entered) }
        } onCancel: {
            let waiter: Waiter? = self.state.withLock { state in
                guard let index = state.line.firstIndex(where: { $0.token == token }) else { return nil }
                return state.line.remove(at: index).waiter
            }
            waiter?.resume(returning: false)
        }
    }

    /// How many wait in line behind the holder.
    var waitingCount: Int { state.withLock { $0.line.count } }

    /// Lets the next waiter in, or opens the gate.
    func leave() {
        let next: Waiter? = state.withLock { state in
            guard !state.line.isEmpty else {
                state.isHeld = false
                return nil
            }
            return state.line.removeFirst().waiter
        }
        next?.resume(returning: true)
    }
}
