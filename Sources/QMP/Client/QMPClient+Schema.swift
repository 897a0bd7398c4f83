public import QMPCore
import Synchronization

extension QMPClient {
    /// Reads the connected QEMU's `query-qmp-schema`, once per session, and from then on
    /// checks every command against it before sending.
    ///
    /// A command this QEMU lacks, or arguments it would refuse (a missing, unexpected or
    /// mistyped member, a value its enumeration lacks, `oob` for a command that cannot
    /// run out of band), then fail at once with
    /// ``QMPError/Code/schemaMismatch``, naming the command, the member and the QEMU
    /// version, and nothing is sent; ``QMPError/errorClass`` and
    /// ``QMPError/errorDescription`` hold what QEMU would have answered. Deprecated
    /// commands, members and values go to ``Configuration/deprecationHandler``.
    ///
    /// ```swift
    /// try await client.loadSchema()
    /// do {
    ///     try await client.execute("blockdev-reopen", arguments: ["options": []])
    /// } catch QMPError.Code.schemaMismatch {
    ///     // not in this QEMU: fall back to an older way
    /// }
    /// ```
    ///
    /// The schema is kept for the session and asked for again after a reconnect, whose
    /// QEMU may differ: once it has succeeded, every later ``connect(_:)`` loads it too, as
    /// ``Configuration/loadsSchemaAtConnect`` does from the first. ``executeMessage(_:timeout:)``
    /// is never checked. A check costs a walk over the arguments; without a schema, a
    /// command pays one atomic load.
    ///
    /// - Parameter timeout: How long to wait for the reply; ``Configuration/defaultTimeout`` when `nil`.
    /// - Returns: The schema (the session's cached one when already loaded).
    /// - Throws: ``QMPError/Code/decodingFailed`` when the reply is not a schema, and
    ///   everything ``execute(_:arguments:oob:timeout:)-(_,JSONObject?,_,_)`` throws.
    @discardableResult
    nonisolated(nonsending) public func loadSchema(timeout: Duration? = nil) async throws(QMPError) -> QMPSchema {
        let session = try currentSession(for: "query-qmp-schema")
        let schema = try await loadSchema(into: session, timeout: timeout ?? configuration.defaultTimeout)
        schemaRequested.store(true, ordering: .relaxed)
        return schema
    }

    /// The schema loaded for the current session, or `nil` when none is.
    public var schema: QMPSchema? { activeSession?.schema.schema }

    /// Whether a connect should load the schema before the client runs.
    var loadsSchemaOnConnect: Bool {
        configuration.loadsSchemaAtConnect || schemaRequested.load(ordering: .relaxed)
    }

    /// Reads and parses the schema on `session`, unless it has one already.
    nonisolated(nonsending) func loadSchema(into session: Session, timeout: Duration?) async throws(QMPError) -> QMPSchema {
        if let schema = session.schema.schema { return schema }
        let reply = try await session.roundTrip(
            .execute(name: "query-qmp-schema"), command: "query-qmp-schema", timeout: timeout, assigningID: true
        ).get()
        if let error = ErrorReply(reply) {
            throw QMPError(
                .commandFailed, "QMP command 'query-qmp-schema' failed: \(error.errorClass): \(error.description)",
                command: "query-qmp-schema", errorClass: error.errorClass, errorDescription: error.description
            )
        }
        let schema = try QMPSchema(reply["return"] ?? .null)
        session.schema.store(schema)
        return schema
    }

    /// Checks a command against the session's schema: deprecations are reported, and a
    /// violation fails the call before anything is sent.
    func check(_ name: String, _ arguments: JSONObject?, oob: Bool, in session: Session) throws(QMPError) {
        guard let schema = session.schema.schema else { return }
        let check = schema.check(command: name, arguments: arguments ?? [:], oob: oob)
        if let handler = configuration.deprecationHandler {
            for deprecation in session.schema.firstReports(of: check.deprecations) { handler(deprecation) }
        }
        guard let violation = check.violation else { return }
        let version = greeting.map { "QEMU \($0.version)" } ?? "the connected QEMU"
        throw QMPError(
            .schemaMismatch, "not sent: \(violation) in the schema of \(version)",
            command: name, errorClass: violation.errorClass, errorDescription: violation.errorDescription
        )
    }
}

/// One session's schema, and the deprecations already reported in it.
final class SessionSchema: Sendable {
    /// Set once the schema is stored, so that a command without one pays a load, not a lock.
    private let loaded = Atomic<Bool>(false)
    private let state = Lock<(schema: QMPSchema?, reported: Set<SchemaDeprecation>)>((nil, []))

    var isLoaded: Bool { loaded.load(ordering: .acquiring) }

    var schema: QMPSchema? { state.withLock { $0.schema } }

    func store(_ schema: QMPSchema) {
        state.withLock { $0.schema = schema }
        loaded.store(true, ordering: .releasing)
    }

    /// Those of `deprecations` not reported before in this session.
    func firstReports(of deprecations: [SchemaDeprecation]) -> [SchemaDeprecation] {
        guard !deprecations.isEmpty else { return [] }
        return state.withLock { state in deprecations.filter { state.reported.insert($0).inserted } }
    }
}
