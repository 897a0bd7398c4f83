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
/// Waiters are served first come, first served; one cancelled or timed out leaves the line.
final class DescriptorGate: Sendable {
    /// How a wait for the gate ended.
    enum Entry: Sendable {
        /// The gate is held: ``leave()`` must follow.
        case entered
        /// The task was cancelled first; the gate is not held.
        case cancelled
        /// The timeout passed first; the gate is not held.
        case timedOut
    }

    private typealias Waiter = CheckedContinuation<Entry, Never>

    private struct State {
        var isHeld = false
        var line: [(token: Int, waiter: Waiter)] = []
        var nextToken = 0
    }

    private let state = Lock(State())

    /// Waits for the gate, at most `timeout` when one is given.
    nonisolated(nonsending) func enter(timeout: Duration? = nil) async -> Entry {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        let timer = Lock<Task<Void, Never>?>(nil)
        defer { timer.withLock { $0 }?.cancel() }
        return await withCancellableContinuation { (waiter: Waiter) in
            let entered: Entry? = self.state.withLock { state in
                // A cancellation handler that ran before this found no waiter to remove; the
                // flag it follows is set before it runs, and it takes this lock, so it is seen here.
                if Task.isCancelled { return .cancelled }
                guard state.isHeld else {
                    state.isHeld = true
                    return .entered
                }
                state.line.append((token, waiter))
                return nil
            }
            if let entered {
                waiter.resume(returning: entered)
            } else if let timeout {
                // Started once the waiter is in line, so that its removal finds it; one that
                // fires after ``leave()`` let the waiter in finds nothing to do.
                timer.withLock { $0 = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    self?.removeFromLine(token, with: .timedOut)
                } }
            }
        } onCancel: {
            self.removeFromLine(token, with: .cancelled)
        }
    }

    /// Takes a waiter out of the line and resumes it with `entry`, if it is still there.
    private func removeFromLine(_ token: Int, with entry: Entry) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.line.firstIndex(where: { $0.token == token }) else { return nil }
            return state.line.remove(at: index).waiter
        }
        waiter?.resume(returning: entry)
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
        next?.resume(returning: .entered)
    }
}
