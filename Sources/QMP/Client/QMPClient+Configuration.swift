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
        /// How long a command may read for its own reply on the caller's thread, over a
        /// transport that allows it (``PollingTransport``: the Unix and TCP sockets),
        /// before it waits to be woken instead. Only a command sent with nothing else
        /// in flight, right after another such command, polls: callers going one
        /// command at a time, not a pipeline that drained for a moment.
        ///
        /// Against a peer that answers within it (a local simulator answers in
        /// microseconds) this spares the thread wakeups that otherwise carry each
        /// reply to its caller: sequential round trips to the benchmarks' C peer ran
        /// 1.5 to 2 times as fast (Benchmarks/README.md, "Fifth round"). Against a
        /// slower peer, such as QEMU, polls that run out are soon skipped: after each,
        /// twice as many commands wait without polling, up to 256. `.zero` turns
        /// polling off.
        public var replyPolling: Duration = .microseconds(50)
        /// Receives every message sent and received, for bridging to a logger.
        /// Called synchronously on the I/O path: keep it cheap.
        public var trace: (@Sendable (TraceRecord) -> Void)? = nil

        public init() {}
    }
}
