public import QMPCore
import QMPEvents
import Synchronization

/// A client for the QEMU Machine Protocol.
///
/// Connect it over any ``Transport``, run commands, and listen for events:
///
/// ```swift
/// let client = QMPClient()
/// let greeting = try await client.connect(try await UnixSocketTransport.connect(path: "/tmp/qmp.sock"))
/// print("QEMU \(greeting.version)")
/// let status = try await client.execute("query-status")
/// print(status["status"]?.stringValue ?? "?")
/// await client.disconnect()
/// ```
///
/// Commands may be issued from many tasks at once; they are pipelined on the
/// one connection and each reply is matched to its command by id, in any
/// order. Events are handed to listeners as they arrive (see ``EventSource``)
/// and never hold up replies. When the connection ends, every waiting call fails at
/// once: with ``QMPError/Code/disconnected`` when it closed or was closed, or with the
/// protocol error that ended it (``QMPError/Code/messageTooLarge``,
/// ``QMPError/Code/malformedMessage``, ``QMPError/Code/unexpectedReply``).
///
/// One client can connect again after a disconnect; each connection is a
/// fresh session.
public final class QMPClient: Sendable {
    private struct State {
        var runState: RunState = .idle
        var session: Session?
        var greeting: Greeting?
        var lastError: QMPError?
        var observers: [Int: AsyncStream<RunState>.Continuation] = [:]
        var nextObserver = 0
    }

    /// The configuration the client was created with; it applies to every session.
    public let configuration: Configuration
    private let state = Lock(State())
    let hub: EventHub
    /// Set by ``loadSchema(timeout:)``: every later session loads the schema at connect.
    let schemaRequested = Atomic<Bool>(false)

    /// Creates an idle client; nothing is opened until ``connect(_:)``.
    ///
    /// The built-in ``events`` listener is created here, with
    /// ``Configuration/eventsPolicy``, and stays registered for the client's
    /// lifetime, across sessions. Listeners registered with the client also
    /// stay registered across sessions until they are removed.
    ///
    /// - Parameter configuration: Limits, timeouts and tracing; the defaults suit a local QEMU.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.hub = EventHub(eventsPolicy: configuration.eventsPolicy)
    }

    deinit {
        let session = state.withLock { $0.session }
        if let session {
            // The tasks hold the session, not the client; end them so they do not outlive us.
            Task { await session.end(with: .disconnected("the QMPClient was deallocated")) }
        }
    }

    // MARK: Observing

    /// The current runstate.
    public var runState: RunState { state.withLock { $0.runState } }

    /// The greeting of the current (or last) session.
    public var greeting: Greeting? { state.withLock { $0.greeting } }

    /// Why the last session ended, if it did.
    public var lastError: QMPError? { state.withLock { $0.lastError } }

    /// Replies nobody was waiting for, and messages of no known kind, in the current session.
    /// A late reply to a cancelled or timed-out command is not counted.
    public var unexpectedMessageCount: Int {
        state.withLock { $0.session }?.unexpectedMessageCount ?? 0
    }

    /// Commands of the current session sent and neither answered nor given up (timed out,
    /// cancelled); 0 with no session. Once every caller has returned it must be 0: the
    /// soak (`Benchmarks/run.sh --soak`) checks that after each session. Not API
    /// (`@_spi(Testing) import QMP`).
    @_spi(Testing) public var pendingCommandCount: Int {
        state.withLock { $0.session }?.pendingCount ?? 0
    }

    /// Replies of the current session that their own callers read (see
    /// ``Configuration/replyWait``); 0 with no session. Not API (`@_spi(Testing) import QMP`).
    @_spi(Testing) public var repliesReadByTheirCallers: Int {
        state.withLock { $0.session }?.repliesReadByTheirCallers ?? 0
    }

    /// Commands not yet sent because they go one at a time (they carry file descriptors, or
    /// the guest agent echoes no ids) and wait for an earlier one's reply; 0 with no session.
    /// Not API (`@_spi(Testing) import QMP`): for tests, to act only once a command waits.
    @_spi(Testing) public var commandsWaitingTheirTurn: Int {
        state.withLock { $0.session }?.commandsWaitingTheirTurn ?? 0
    }

    /// The runstate now and every change after it, until the sequence's consumer stops.
    ///
    /// Each call returns an independent sequence; a slow consumer sees only the
    /// newest states (it buffers at most 8).
    public func runStates() -> AsyncStream<RunState> {
        observeRunStates(AsyncStream.makeStream(of: RunState.self, bufferingPolicy: .bufferingNewest(8)))
    }

    /// Registers `continuation` for every runstate from now on, the current one first.
    private func observeRunStates(
        _ pair: (stream: AsyncStream<RunState>, continuation: AsyncStream<RunState>.Continuation)
    ) -> AsyncStream<RunState> {
        let continuation = pair.continuation
        let token = state.withLock { state in
            state.nextObserver += 1
            state.observers[state.nextObserver] = continuation
            continuation.yield(state.runState)
            return state.nextObserver
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: token) }
        }
        return pair.stream
    }

    /// Returns once a session is running: at once when one is.
    ///
    /// ``events`` and every listener end with their session, and once a session has ended,
    /// a read ends at once until the next one starts; so code that follows the client across
    /// reconnects waits here between sessions instead of looping on reads that end:
    ///
    /// ```swift
    /// while true {
    ///     try await client.waitUntilRunning()
    ///     for try await event in client.events { handle(event) }   // until this session ends
    /// }
    /// ```
    ///
    /// - Throws: ``QMPError/Code/timedOut`` when `timeout` passes first (`nil` waits as
    ///   long as it takes); ``QMPError/Code/cancelled`` when the task is cancelled.
    nonisolated(nonsending) public func waitUntilRunning(timeout: Duration? = nil) async throws(QMPError) {
        let what = "waiting for a running session"
        switch await waitForRunState(within: timeout, until: { $0 == .running }) {
        case .reached: return
        case .timedOut: throw QMPError(.timedOut, "timed out after \(timeout ?? .zero) \(what)")
        case .cancelled: throw QMPError.cancelled(what)
        }
    }

    enum RunStateWait { case reached, timedOut, cancelled }

    /// Waits for a runstate that meets `condition` (the current one counts), at most `timeout`.
    nonisolated(nonsending) func waitForRunState(
        within timeout: Duration?, until condition: (RunState) -> Bool
    ) async -> RunStateWait {
        let pair = AsyncStream.makeStream(of: RunState.self, bufferingPolicy: .bufferingNewest(8))
        let states = observeRunStates(pair)
        // Ends the stream when the time is up; its iteration then ends, as on cancellation.
        let timer = timeout.map { timeout in
            Task { [continuation = pair.continuation] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                continuation.finish()
            }
        }
        defer {
            timer?.cancel()
            pair.continuation.finish()
        }
        for await state in states where condition(state) { return .reached }
        // The iteration ended without the state: by cancellation, or else by the timer.
        return Task.isCancelled ? .cancelled : .timedOut
    }

    /// Sets the runstate; call with the lock held.
    private static func transition(_ state: inout State, to runState: RunState) {
        guard state.runState != runState else { return }
        state.runState = runState
        for observer in state.observers.values { observer.yield(runState) }
    }

    // MARK: Connecting

    /// Reads the greeting from `transport` and negotiates capabilities.
    ///
    /// Events that arrive before the greeting are ignored. When the server
    /// offers `oob` and ``Configuration/negotiateOOB`` is set, it is enabled.
    /// On failure the transport is closed and the client is idle again.
    ///
    /// - Throws: ``QMPError/Code/invalidState`` unless idle;
    ///   ``QMPError/Code/greetingFailed``, ``QMPError/Code/negotiationFailed``
    ///   (with QEMU's own text), ``QMPError/Code/timedOut`` or
    ///   ``QMPError/Code/cancelled``.
    /// It runs on the caller's executor (as do ``execute(_:arguments:oob:timeout:)-(_,JSONObject?,_,_)`` and
    /// ``disconnect()``), so a VM manager on the main actor or in an actor pays no hop.
    /// ``Configuration/connectTimeout`` bounds the greeting and the negotiation together.
    @discardableResult
    nonisolated(nonsending) public func connect(_ transport: some Transport) async throws(QMPError) -> Greeting {
        try await connect(transport, timeout: configuration.connectTimeout)
    }

    /// Reads the greeting from `transport` and negotiates, both within `timeout`
    /// (`nil` waits as long as it takes) instead of ``Configuration/connectTimeout``.
    ///
    /// - Throws: as ``connect(_:)``.
    @discardableResult
    nonisolated(nonsending) public func connect(_ transport: some Transport, timeout: Duration?) async throws(QMPError) -> Greeting {
        let session = try startSession(on: transport)
        do throws(QMPError) {
            let greeting = try await negotiate(session, timeout: timeout)
            if loadsSchemaOnConnect { _ = try await loadSchema(into: session, timeout: timeout) }
            try markRunning(session, greeting: greeting)
            return greeting
        } catch {
            await session.end(with: error)
            throw error
        }
    }

    /// Makes the negotiated `session` the running one, unless it ended meanwhile.
    func markRunning(_ session: Session, greeting: Greeting? = nil) throws(QMPError) {
        let isCurrent = state.withLock { state in
            // Not while it is ending: `sessionEnded` marks that before it tells the listeners.
            guard state.session === session, state.runState == .connecting else { return false }
            state.greeting = greeting
            Self.transition(&state, to: .running)
            return true
        }
        guard isCurrent else {
            throw lastError ?? .disconnected("the connection closed during negotiation")
        }
    }

    /// A new session as the current one; started unless `guestAgent`, whose handshake comes first.
    func startSession(on transport: some Transport, guestAgent: Bool = false) throws(QMPError) -> Session {
        let session = Session(
            transport: transport,
            configuration: configuration,
            guestAgent: guestAgent,
            onEvents: { [hub] session, events in hub.dispatch(contentsOf: events, session: session.hubSession) },
            onEnd: { [weak self] session, error in self?.sessionEnded(session, error: error) }
        )
        try state.withLock { state throws(QMPError) in
            guard state.runState == .idle else {
                throw QMPError(.invalidState, "connect() needs an idle client; it is \(state.runState)")
            }
            state.session = session
            state.greeting = nil
            state.lastError = nil
            Self.transition(&state, to: .connecting)
        }
        // Drop whatever the listeners kept from an earlier session before new events can arrive,
        // and number this one: a batch the last session's reader dispatches late is then its own.
        session.hubSession = hub.startSession()
        // A disconnect() racing this call may have ended the session since it was published,
        // and told the listeners before the restart above undid that: tell them again, or a
        // read waiting for this session would wait for the next one (found by FuzzSession).
        if let error = session.endError { hub.sessionEnded(error: error) }
        if !guestAgent { session.start() }
        return session
    }

    /// Reads the greeting and negotiates, both within one `timeout`.
    nonisolated(nonsending) private func negotiate(_ session: Session, timeout: Duration?) async throws(QMPError) -> Greeting {
        try await withDeadline(timeout, session: session) { () async throws(QMPError) in
            let greeting = try await session.greeting().get()
            // An id the session's own never take (they count from "1"), so its reply is
            // recognised on the reader path: see `Session.startRunning(onSuccessOf:)`.
            let id: JSONValue = "0"
            var command: JSONObject = ["execute": "qmp_capabilities", "id": id]
            if configuration.negotiateOOB && greeting.capabilities.contains("oob") {
                command["arguments"] = ["enable": ["oob"]]
            }
            session.startRunning(onSuccessOf: id)
            let reply = try await session.roundTrip(.message(Message(command)), command: "qmp_capabilities", timeout: nil).get()
            if let error = ErrorReply(reply) {
                throw QMPError(
                    .negotiationFailed,
                    "QMP capabilities negotiation failed: \(error.errorClass): \(error.description)",
                    command: "qmp_capabilities", errorClass: error.errorClass, errorDescription: error.description
                )
            }
            return greeting
        }
    }

    /// Runs `body`, ending the session with ``QMPError/Code/timedOut`` when `timeout` passes
    /// first, or ``QMPError/Code/cancelled`` when the task is cancelled, and then throwing
    /// that error, whatever `body` returned. Once `body` has returned, neither touches the
    /// session (see ``DeadlineSettlement``).
    nonisolated(nonsending) func withDeadline<T>(
        _ timeout: Duration?, session: Session,
        doing what: String = "connecting (greeting and negotiation)",
        _ body: () async throws(QMPError) -> T
    ) async throws(QMPError) -> T {
        let settlement = DeadlineSettlement()
        let timer = timeout.map { timeout in
            Task {
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                let error = QMPError(.timedOut, "timed out after \(timeout) \(what)")
                if settlement.stop(with: error) { await session.end(with: error) }
            }
        }
        defer { timer?.cancel() }
        let result: Result<T, QMPError> = await withTaskCancellationHandler {
            do throws(QMPError) { return .success(try await body()) } catch { return .failure(error) }
        } onCancel: {
            let error = QMPError.cancelled("connecting")
            if settlement.stop(with: error) { Task { await session.end(with: error) } }
        }
        if let stopped = settlement.finish() { throw stopped }
        return try result.get()
    }

    /// Closes the connection. Pending commands fail with ``QMPError/Code/disconnected``,
    /// waiting listeners end. Idempotent; returns once the session is fully down.
    nonisolated(nonsending) public func disconnect() async {
        guard let session = state.withLock({ $0.session }) else { return }
        await session.end(with: .disconnected("the client disconnected"))
    }

    private func sessionEnded(_ session: Session, error: QMPError) {
        let isCurrent = state.withLock { state in
            guard state.session === session else { return false }
            state.lastError = error
            Self.transition(&state, to: .disconnecting)
            return true
        }
        guard isCurrent else { return }
        hub.sessionEnded(error: error)
        state.withLock { state in
            guard state.session === session else { return }
            state.session = nil
            Self.transition(&state, to: .idle)
        }
    }

    /// The current session, whatever its runstate.
    var activeSession: Session? { state.withLock { $0.session } }

    /// Whether `session` is still the client's (it may have ended; a new one replaces it).
    func holds(_ session: Session) -> Bool {
        state.withLock { $0.session === session }
    }

    func currentSession(for command: String) throws(QMPError) -> Session {
        try state.withLock { state throws(QMPError) in
            guard let session = state.session, state.runState == .running else {
                throw QMPError(
                    .invalidState, "cannot execute '\(command)': the client is \(state.runState), not running",
                    command: command
                )
            }
            return session
        }
    }
}
