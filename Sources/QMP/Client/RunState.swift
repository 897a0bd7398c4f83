extension QMPClient {
    /// Where a ``QMPClient`` is in its life cycle.
    ///
    /// Nested, not `RunState` at the top level: `QMPTypes` has QEMU's own `RunState` (the
    /// VM's), and a program imports both.
    ///
    /// ```
    /// idle ──connect()──▶ connecting ──negotiated──▶ running
    ///   ▲                     │                         │
    ///   └──── disconnecting ◀─┴── failure / EOF / disconnect()
    /// ```
    public enum RunState: Sendable, Hashable, CustomStringConvertible {
        /// Not connected; ``QMPClient/connect(_:)`` may be called.
        case idle
        /// Reading the greeting and negotiating capabilities.
        case connecting
        /// Negotiated; commands may be executed and events arrive.
        case running
        /// Tearing the session down; pending commands are failing.
        case disconnecting

        public var description: String {
            switch self {
            case .idle: return "idle"
            case .connecting: return "connecting"
            case .running: return "running"
            case .disconnecting: return "disconnecting"
            }
        }
    }
}
