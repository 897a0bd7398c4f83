import QMPCore
import Synchronization

/// Who settles a connect first: its body, by finishing, or its deadline or cancellation,
/// by stopping it. The loser does nothing: a deadline that fires as the handshake succeeds
/// must not end the session the caller is being handed, nor a late body outrun the stop.
final class DeadlineSettlement: Sendable {
    private enum State {
        case open
        case finished
        case stopped(QMPError)
    }

    private let state = Lock(State.open)

    /// Records that the deadline or a cancellation stopped the body with `error`; `false`
    /// when the body finished first, and the session must be left alone.
    func stop(with error: QMPError) -> Bool {
        state.withLock { state in
            guard case .open = state else { return false }
            state = .stopped(error)
            return true
        }
    }

    /// Records that the body finished; the error that stopped it first, if one did.
    func finish() -> QMPError? {
        state.withLock { state in
            if case .stopped(let error) = state { return error }
            state = .finished
            return nil
        }
    }
}
