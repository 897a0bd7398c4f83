import QMPCore
public import QMPEvents

extension QMPClient {
    /// How a client connects and behaves. All fields have working defaults.
    public struct Configuration: Sendable {
        /// Enable the `oob` capability when the server offers it, so
        /// `execute(_:arguments:oob:)` with `oob: true` can send `exec-oob`.
        public var negotiateOOB: Bool = true
        /// The largest message accepted from the peer. Larger ones end the session
        /// with ``QMPError/Code/messageTooLarge``. QEMU's `query-qmp-schema` reply is ~207 KB.
        public var maxMessageSize: Int = MessageFramer.defaultMaxMessageSize
        /// The deepest JSON nesting accepted from the peer.
        public var maxDepth: Int = JSONParser.defaultMaxDepth
        /// Time allowed for the greeting and capabilities negotiation.
        public var connectTimeout: Duration? = .seconds(30)
        /// Applied to every command that does not pass its own timeout; `nil` waits forever.
        public var defaultTimeout: Duration? = nil
        /// Buffering of the built-in ``QMPClient/events`` listener. Bounded by default so a
        /// long-running process that never reads it does not grow.
        public var eventsPolicy: BufferingPolicy = .bufferingNewest(1_000)
        /// Receives every message sent and received, for bridging to a logger.
        /// Called synchronously on the I/O path: keep it cheap.
        public var trace: (@Sendable (TraceRecord) -> Void)? = nil

        public init() {}
    }
}
