import QMPCore
public import QMPEvents

extension QMPClient {
    /// How a client connects and behaves. All fields have working defaults.
    public struct Configuration: Sendable {
        /// Enable the `oob` capability when the server offers it, so
        /// `execute(_:arguments:oob:)` with `oob: true` can send `exec-oob`.
        public var negotiateOOB: Bool = true
        /// The largest message accepted from the peer, 2 MiB by default
        /// (``MessageFramer/defaultMaxMessageSize``). Larger ones end the session with
        /// ``QMPError/Code/messageTooLarge``. QEMU's largest reply, `query-qmp-schema`, is
        /// ~207 KB. Parsing a message can take up to about 37 times its size in memory
        /// (about 10 times for real replies), so this limit also bounds what one message
        /// costs: about 75 MiB at the default.
        public var maxMessageSize: Int = MessageFramer.defaultMaxMessageSize
        /// The deepest JSON nesting accepted from the peer.
        public var maxDepth: Int = JSONParser.defaultMaxDepth
        /// Time allowed for the greeting and capabilities negotiation, or for a guest
        /// agent's handshake and `guest-info` (see ``QMPClient/connectToGuestAgent(_:timeout:)``).
        public var connectTimeout: Duration? = .seconds(30)
        /// Applied to every command that does not pass its own timeout; `nil` waits forever.
        public var defaultTimeout: Duration? = nil
        /// Buffering of the built-in ``QMPClient/events`` listener. Bounded by default so a
        /// long-running process that never reads it does not grow.
        public var eventsPolicy: BufferingPolicy = .bufferingNewest(1_000)
        /// How long a command sent with nothing else in flight may wait for its reply on
        /// the caller's own thread, over a transport that allows it
        /// (``DirectReadTransport``: the Unix and TCP sockets), before it waits to be woken
        /// instead. 500 µs by default; `.zero` turns it off.
        ///
        /// The caller's thread waits in the kernel (it does not spin), and the reply then
        /// wakes that thread alone, where it would otherwise wake the transport's reader
        /// and then the caller's executor: the main thread, for code on the main actor.
        /// Only a command sent right after another lone one waits so (commands going one
        /// at a time, not a pipeline that drained for a moment), and a peer slower than
        /// this is soon left alone: after each wait that runs out, twice as many commands
        /// go without, up to 256. Events read meanwhile go to the listeners from that
        /// thread, as they would from the reader's. A task cancelled during the wait
        /// learns of it once the wait ends.
        public var replyWait: Duration = .microseconds(500)
        /// Receives every message sent and received, for bridging to a logger.
        /// Called synchronously on the I/O path: keep it cheap.
        public var trace: (@Sendable (TraceRecord) -> Void)? = nil
        /// Read the QEMU's `query-qmp-schema` while connecting, so that every command is
        /// checked against it from the first (see ``QMPClient/loadSchema(timeout:)``).
        public var loadsSchemaAtConnect: Bool = false
        /// Receives each deprecated command, member or value a command uses, once per
        /// session, when the command is checked against a loaded schema; before it is sent.
        /// `nil`, the default, reports nothing. Log it to find what to change before a
        /// QEMU upgrade removes it.
        public var deprecationHandler: (@Sendable (SchemaDeprecation) -> Void)? = nil

        /// The defaults: `oob` when offered, 2 MiB messages, a 30-second connect
        /// timeout, no command timeout, a bounded ``QMPClient/events`` listener, no trace
        /// and no schema checks.
        /// Change the fields of the result to adjust them.
        public init() {}
    }
}
