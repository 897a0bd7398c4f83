import QMPCore
import Synchronization

/// The lock around a listener's state, in a class of its own: the storage half
/// of the public-type / state-machine / storage split, and a fixed,
/// non-generic layout for the `Lock`.
final class ListenerStorage: Sendable {
    let state: Lock<ListenerState>

    init(_ state: ListenerState) {
        self.state = Lock(state)
    }
}
