import QMPCore

/// One message crossing the wire, handed to ``QMPClient/Configuration/trace``.
public struct TraceRecord: Sendable {
    /// Which way a traced message went.
    public enum Direction: Sendable, Hashable {
        /// From the client to QEMU.
        case sent
        /// From QEMU to the client.
        case received
    }

    /// Whether the client sent the message or received it.
    public var direction: Direction
    /// The message text exactly as sent or received (without the line break).
    public var text: String
}
