public import QMPCore
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A scriptable stand-in for QEMU's QMP server.
///
/// It speaks QMP the way QEMU 7.2 does: the same greeting, capabilities
/// negotiation (commands before it are refused with QEMU's own error), input
/// split where braces balance with no newline required, id-less errors for
/// malformed input, and output one message per CRLF-terminated line in QEMU's
/// spacing. Common commands work out of the box (see ``init(version:schema:)``);
/// register ``handle(_:_:)`` for anything else, and inject events with
/// ``emit(_:)`` at any time.
///
/// Like QEMU, it checks every command's arguments against its schema before the
/// handler runs, QEMU 7.2's by default (``recordedSchema``): a missing, extra or
/// mistyped argument gets QEMU's own error class and text, so a test against the
/// simulator fails where real QEMU would refuse the command.
///
/// ```swift
/// let qemu = SimulatedQEMU()
/// qemu.handle("query-name") { _ in ["name": "vm1"] }
/// let client = QMPClient()
/// try await client.connect(qemu.makeClientTransport())
/// ```
///
/// Serve real sockets with ``serve(_:)`` on each accepted transport; the
/// `qmp-simulator` tool does exactly that.
public final class SimulatedQEMU: Sendable {
    /// Runs one command. Return the `return` value, or throw an ``ErrorReply``.
    public typealias Handler = @Sendable (CommandContext) async throws -> JSONValue

    /// The version the greeting and `query-version` report.
    public let version: Greeting.Version
    /// The schema commands are checked against before their handler runs; `nil` checks none.
    public let schema: QMPSchema?
    let handlers: Lock<[String: Handler]>
    private let sessions = Lock<[ObjectIdentifier: SimulatorSession]>([:])
    /// Machine state shared by all connections, as in one QEMU process.
    let machine = Lock(MachineState())

    /// Creates a simulator with no clients, a running machine and handlers for common
    /// commands: `query-status`, `query-version`, `query-commands`, `query-name`,
    /// `stop` and `cont` (with their `STOP` and `RESUME` events), `quit`,
    /// `system_reset` and `system_powerdown` (with `RESET` and `POWERDOWN`),
    /// `human-monitor-command`, `blockdev-add` (null-co nodes, with their `size`),
    /// `blockdev-del`, `blockdev-backup` and `transaction` (QEMU 7.2's job events and
    /// errors; a job started with `auto-dismiss: false` waits for `job-dismiss`),
    /// `query-jobs`, `query-block-jobs` and `query-qmp-schema` (which answers the
    /// recorded QEMU 7.2 schema). Replace any of them with ``handle(_:_:)``.
    ///
    /// - Parameters:
    ///   - version: The QEMU version to claim; 7.2.0 by default.
    ///   - schema: What to check each command against before its handler runs, as
    ///     QEMU does; QEMU 7.2's by default, `nil` to check nothing. A command the
    ///     schema lacks (one registered for a test, say) is not checked.
    public init(
        version: Greeting.Version = Greeting.Version(major: 7, minor: 2, micro: 0, package: "swift-qmp simulator"),
        schema: QMPSchema? = SimulatedQEMU.recordedSchema
    ) {
        self.version = version
        self.schema = schema
        self.handlers = Lock([:])
        installDefaultHandlers()
    }

    /// Registers (or replaces) the handler for `command`.
    public func handle(_ command: String, _ handler: @escaping Handler) {
        handlers.withLock { $0[command] = handler }
    }

    /// The commands the simulator answers, sorted.
    public var commandNames: [String] {
        (handlers.withLock { Array($0.keys) } + ["qmp_capabilities"]).sorted()
    }

    /// Sends `event` to every connected, negotiated client now.
    public func emit(_ event: Event) {
        for session in sessions.withLock({ Array($0.values) }) { session.emit(event) }
    }

    /// Sends an event named `name` with the current time.
    public func emit(_ name: String, data: JSONObject = [:]) {
        emit(Event(name: name, data: data, timestamp: .now))
    }

    /// A transport connected to a new session of this simulator, served in the background.
    public func makeClientTransport() -> InProcessTransport {
        let (client, server) = InProcessTransport.makePair()
        Task { await self.serve(server) }
        return client
    }

    /// Serves one client on `transport` until it disconnects or `quit` runs.
    public func serve(_ transport: some Transport) async {
        let session = SimulatorSession(simulator: self, transport: transport)
        sessions.withLock { $0[ObjectIdentifier(session)] = session }
        await session.run()
        _ = sessions.withLock { $0.removeValue(forKey: ObjectIdentifier(session)) }
    }
}

/// What a command handler gets: the arguments, and ways to act like QEMU.
public struct CommandContext: Sendable {
    /// The command's name.
    public let command: String
    /// The `arguments` member, empty when absent.
    public let arguments: JSONObject
    let session: SimulatorSession
    /// The simulator running the command, to emit events to every client or
    /// register handlers from within one.
    public let simulator: SimulatedQEMU

    /// Sends an event to this client now, before the command's reply.
    public func emit(_ name: String, data: JSONObject = [:]) {
        session.emit(Event(name: name, data: data, timestamp: .now))
    }

    /// Closes the connection once the reply has been sent, as `quit` does.
    public func closeAfterReply() {
        session.closeAfterReply()
    }

    /// A required string argument, or QEMU's error for a missing one.
    public func string(_ name: String) throws -> String {
        try arguments.requiredString(name)
    }
}

extension JSONObject {
    /// A required string member, or QEMU's error for a missing one.
    func requiredString(_ name: String) throws(ErrorReply) -> String {
        guard let value = self[name] else {
            throw ErrorReply(errorClass: "GenericError", description: "Parameter '\(name)' is missing")
        }
        guard let string = value.stringValue else {
            throw ErrorReply(errorClass: "GenericError", description: "Parameter '\(name)' expects a string")
        }
        return string
    }
}

extension Event.Timestamp {
    /// The wall-clock time, as QEMU stamps events.
    public static var now: Event.Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Event.Timestamp(seconds: Int64(spec.tv_sec), microseconds: Int64(spec.tv_nsec / 1_000))
    }
}
