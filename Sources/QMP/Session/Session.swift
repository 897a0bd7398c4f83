import QMPCore
import Synchronization

/// One connection's worth of client state: the transport, its reader and
/// writer tasks, and the commands waiting for replies.
///
/// A reconnect makes a new session, so nothing from an old connection (a late
/// reply, a queued write) can leak into the next.
final class Session: Sendable {
    private enum Phase {
        case awaitingGreeting(CheckedContinuation<Result<Greeting, QMPError>, Never>?)
        case greeted(Greeting)
        case running
        case ended
    }

    /// After a no-reply command to an agent that echoes no ids: if it failed, its id-less
    /// error reply is still to come, and must not be taken for the next command's.
    private enum AgentResync {
        case errorMayFollow
        /// `guest-sync` was sent with this number: every id-less reply before the one
        /// returning it is the earlier command's.
        case syncing(Int64)
    }

    private struct State {
        var phase: Phase = .awaitingGreeting(nil)
        var pending = PendingCommands()
        var unexpectedMessages = 0
        var endError: QMPError?
        /// The id of `qmp_capabilities`: its success starts the running phase on the
        /// reader path itself, so events sent right after it are not lost.
        var negotiationID: JSONValue?
        /// The last of the client's own ids handed out in this session (see ``CommandID``).
        var lastID: UInt64 = 0
        /// How a guest agent is spoken to; `nil` for QMP.
        var guestAgent: GuestAgentPolicy?
        /// Set by a no-reply command to an agent that echoes no ids (see `passOverLateAgentError`).
        var agentResync: AgentResync?
        /// Set once the first ``Session/end(with:)`` has told the client; until then later
        /// calls wait here, so none returns while the client still says it is connected.
        var isDown = false
        var downWaiters: [CheckedContinuation<Void, Never>] = []
        /// Whether lone commands read their own replies (see ``ReplyWaiting``).
        var replyWaiting = ReplyWaiting()
    }

    /// What the reader keeps between reads.
    private struct Inbound {
        var framer: MessageFramer
        /// Events read since the last hand-over to the listeners.
        var events: [Event] = []
        /// Replies read since the last event, given to their callers together (see `deliverReplies`).
        var replies: [Message] = []
        /// Why reading ended, once it has: later reads report it again.
        var ended: QMPError?
    }

    let transport: any Transport
    /// The transport, when a lone command's caller may read its own reply.
    private let directTransport: (any DirectReadTransport)?
    /// The reading side. Only the holder of `readRole` touches it, so its lock is
    /// never contended; it is held while a chunk is read and handled.
    private let inbound: Lock<Inbound>
    /// The reader task's, or a lone command's caller's while it reads its own reply.
    private let readRole = ReadRole()
    /// For tests: how many replies their own callers read.
    private let ownReplyReads = Atomic<Int>(0)
    private let configuration: QMPClient.Configuration
    private let state = Lock(State())
    /// Mirrors `phase == .running` for the per-event check on the reader path, without the lock.
    private let isRunning = Atomic<Bool>(false)
    private let outbound = OutboundQueue()
    /// Receives events while the session is running, synchronously on the reader path,
    /// in batches: everything read in one chunk, up to the next reply.
    private let onEvents: @Sendable (Session, [Event]) -> Void
    /// The event hub's number for this session (see `EventHub.startSession()`), set before
    /// the session starts reading: its events are dispatched under it.
    private let hubSessionNumber = Atomic<UInt64>(0)
    var hubSession: UInt64 {
        get { hubSessionNumber.load(ordering: .acquiring) }
        set { hubSessionNumber.store(newValue, ordering: .releasing) }
    }
    /// Called once when the session ends for any reason.
    private let onEnd: @Sendable (Session, QMPError) -> Void
    private let tasks = Lock<(reader: Task<Void, Never>?, writer: Task<Void, Never>?)>((nil, nil))
    /// One command at a time: those with descriptors, and all of a guest agent's that echoes no ids.
    private let descriptorGate = DescriptorGate()
    /// The QEMU's schema, once loaded for this session (see `QMPClient+Schema`).
    let schema = SessionSchema()
    /// A guest agent (see `QMPClient.connectToGuestAgent`): no greeting, and ``GuestAgentPolicy``.
    /// A constant, so that QMP's command path pays no lock for the agent's rules.
    let isGuestAgent: Bool

    init(
        transport: any Transport,
        configuration: QMPClient.Configuration,
        guestAgent: Bool = false,
        onEvents: @escaping @Sendable (Session, [Event]) -> Void,
        onEnd: @escaping @Sendable (Session, QMPError) -> Void
    ) {
        self.transport = transport
        self.directTransport = guestAgent || configuration.replyWait <= .zero ? nil : transport as? any DirectReadTransport
        self.inbound = Lock(Inbound(framer: MessageFramer(maxMessageSize: configuration.maxMessageSize)))
        self.configuration = configuration
        self.isGuestAgent = guestAgent
        self.onEvents = onEvents
        self.onEnd = onEnd
        if guestAgent {
            // The agent sends no greeting: the handshake runs on the transport before `start()`.
            state.withLock {
                $0.phase = .running
                $0.guestAgent = GuestAgentPolicy()
            }
            isRunning.store(true, ordering: .releasing)
        }
    }

    /// Why the session ended, once it has; set before anything it ends is woken.
    var endError: QMPError? { state.withLock { $0.endError } }

    /// The guest agent's rules, as learnt from its handshake and `guest-info`.
    var guestAgentPolicy: GuestAgentPolicy? {
        get { state.withLock { $0.guestAgent } }
        set { state.withLock { $0.guestAgent = newValue } }
    }

    func start() {
        // On the transport's own thread when it has one (see `Transport.readerExecutor`).
        let reader = Task(executorPreference: transport.readerExecutor) { await self.readLoop() }
        let writer = Task { await self.writeLoop() }
        tasks.withLock { $0 = (reader, writer) }
    }

    /// Replies whose id matched nothing pending, plus messages of no known kind.
    var unexpectedMessageCount: Int {
        state.withLock { $0.unexpectedMessages + $0.pending.unknownReplies }
    }

    var pendingCount: Int { state.withLock { $0.pending.count } }

    var repliesReadByTheirCallers: Int { ownReplyReads.load(ordering: .relaxed) }

    /// Commands waiting for an earlier one's reply before they may be sent (see ``DescriptorGate``).
    var commandsWaitingTheirTurn: Int { descriptorGate.waitingCount }

    // MARK: Greeting

    nonisolated(nonsending) func greeting() async -> Result<Greeting, QMPError> {
        await withCheckedContinuation { continuation in
            let ready: Result<Greeting, QMPError>? = state.withLock { state in
                switch state.phase {
                case .awaitingGreeting:
                    state.phase = .awaitingGreeting(continuation)
                    return nil
                case .greeted(let greeting):
                    return .success(greeting)
                case .running:
                    return .failure(QMPError(.invalidState, "the session has already been negotiated"))
                case .ended:
                    return .failure(state.endError ?? .disconnected("the QMP connection closed"))
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Events are delivered from the moment the success reply to the command with `id` is read.
    func startRunning(onSuccessOf id: JSONValue) {
        state.withLock { $0.negotiationID = id }
    }

    // MARK: Commands

    /// Sends `message` and waits for its reply, honouring cancellation and `timeout`.
    ///
    /// It runs on the caller's executor: a caller on the main actor or an actor
    /// resumes once, when its reply has been read, with no hop to the global pool.
    ///
    /// With `assigningID`, `outgoing` has no id and the session gives it one only when
    /// another command is in flight: see ``IDAssignment``.
    nonisolated(nonsending) func roundTrip(
        _ outgoing: consuming OutgoingCommand,
        command: String,
        fileDescriptors: [Int32] = [],
        timeout: Duration?,
        assigningID: Bool = false
    ) async -> Result<Message, QMPError> {
        let agent = isGuestAgent ? guestAgentPolicy : nil
        let sendsNoReply = agent?.noReplyCommands.contains(command) == true
        let oneAtATime = !fileDescriptors.isEmpty || agent?.echoesIDs == false
        guard oneAtATime else {
            if sendsNoReply { return sendWithoutReply(outgoing) }
            return await send(consume outgoing, command: command, fileDescriptors: [], timeout: timeout, assigningID: assigningID)
        }
        // Refused here, before it is queued: the writer finding out would end the session.
        if !fileDescriptors.isEmpty && !(transport is any FileDescriptorPassingTransport) {
            return .failure(QMPError(
                .invalidState, "QMP command '\(command)' carries file descriptors, which this transport cannot pass (only a Unix socket can)",
                command: command
            ))
        }
        // One timeout for the wait in line and the command, so a holder that never answers
        // cannot keep a caller past its own.
        let deadline = timeout.map { ContinuousClock.now + $0 }
        switch await descriptorGate.enter(timeout: timeout) {
        case .entered: break
        case .cancelled: return .failure(Self.cancelled(command))
        case .timedOut:
            return .failure(QMPError(
                .timedOut, "QMP command '\(command)' timed out after \(timeout ?? .zero) waiting for the command before it (\(Self.oneAtATimeReason(fileDescriptors))); it was not sent",
                command: command
            ))
        }
        defer { descriptorGate.leave() }
        if agent != nil, let failure = await passOverLateAgentError(before: command, timeout: Self.remaining(until: deadline)) {
            return .failure(failure)
        }
        if sendsNoReply { return sendWithoutReply(outgoing) }
        return await send(
            consume outgoing, command: command, fileDescriptors: fileDescriptors,
            timeout: Self.remaining(until: deadline), assigningID: assigningID
        )
    }

    /// What is left of a timeout by `deadline`: at least a nanosecond, so a timer still
    /// runs and fails the command as timed out.
    private static func remaining(until deadline: ContinuousClock.Instant?) -> Duration? {
        deadline.map { max(ContinuousClock.now.duration(to: $0), .nanoseconds(1)) }
    }

    private static func oneAtATimeReason(_ fileDescriptors: [Int32]) -> String {
        fileDescriptors.isEmpty
            ? "a guest agent that echoes no ids is sent one command at a time"
            : "commands carrying file descriptors go one at a time"
    }

    /// After a no-reply command to an agent that echoes no ids, the next reply may be that
    /// command's error or the next command's, with nothing to tell them apart. So the next
    /// command first sends `guest-sync` with a random number, and the reader passes over every
    /// id-less reply before the one carrying it. `nil` when that is done or not needed; the
    /// failure otherwise.
    nonisolated(nonsending) private func passOverLateAgentError(before command: String, timeout: Duration?) async -> QMPError? {
        let token = Int64.random(in: 1...Int64(Int32.max))
        let needed = state.withLock { state in
            guard state.agentResync != nil else { return false }
            state.agentResync = .syncing(token)
            return true
        }
        guard needed else { return nil }
        let sync = OutgoingCommand.execute(name: "guest-sync", arguments: ["id": .int(token)])
        switch await send(sync, command: "guest-sync", fileDescriptors: [], timeout: timeout, assigningID: false) {
        case .failure(var error):
            error.message = "resynchronising with the guest agent before '\(command)': \(error.message)"
            error.command = command
            return error
        case .success:
            return nil
        }
    }

    nonisolated(nonsending) private func send(
        _ outgoing: consuming OutgoingCommand,
        command: String,
        fileDescriptors: [Int32],
        timeout: Duration?,
        assigningID: Bool
    ) async -> Result<Message, QMPError> {
        if Task.isCancelled { return .failure(Self.cancelled(command)) }
        let key: PendingCommands.Key
        let isAlone: Bool
        let readsOwnReply: Bool
        do {
            (key, isAlone, readsOwnReply) = try state.withLock { state throws(QMPError) in
                let isAlone = state.pending.count == 0
                let readsOwnReply = directTransport != nil && fileDescriptors.isEmpty
                    && state.replyWaiting.shouldWait(alone: isAlone)
                var id = outgoing.id
                if assigningID && !IDAssignment.mayOmit(alone: isAlone, outOfBand: outgoing.isOutOfBand, guestAgent: state.guestAgent) {
                    state.lastID += 1
                    id = .string(CommandID.string(for: state.lastID))
                }
                // Its reply would come back without the id: matched in order instead.
                if state.guestAgent?.echoesIDs == false { id = nil }
                return (try state.pending.send(id: id), isAlone, readsOwnReply)
            }
        } catch {
            return .failure(error)
        }
        let bytes = outgoing.serializedBytes(id: key.id)
        if let trace = configuration.trace {
            trace(TraceRecord(direction: .sent, text: String(decoding: bytes, as: UTF8.self)))
        }
        // Written here, on the caller's executor, before the wait below: off the main actor
        // that wait still hops to the global executor (see `withCancellableContinuation`),
        // and the command then travels while the hop is made.
        // A command with no other in flight writes itself, sparing a wakeup of the writer task;
        // pipelined commands leave it to the writer, which sends them in batches. A closed queue
        // means the session ended, which the wait below reports.
        // Taken before the write, so that the reader task cannot take the reply first.
        let holdsReadRole = readsOwnReply && readRole.takeForCaller()
        // The reader, waiting for readiness, would only wake to find the reply is this caller's.
        if holdsReadRole { directTransport?.pauseReadinessReports() }
        _ = outbound.enqueue(
            OutboundQueue.Item(bytes: bytes, fileDescriptors: fileDescriptors),
            mayWriteInline: isAlone, writeNow: { self.transport.sendImmediately($0) }
        )
        if holdsReadRole, let directTransport {
            let budget = min(configuration.replyWait, timeout ?? configuration.replyWait)
            let (outcome, failure) = readOwnReply(key, from: directTransport, within: budget)
            if let failure { await end(with: failure) }
            if let outcome { return outcome }
        }

        let timer = timeout.map { timeout in
            Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.giveUp(key, with: QMPError(
                    .timedOut, "QMP command '\(command)' timed out after \(timeout); a late reply will be ignored",
                    command: command
                ))
            }
        }
        defer { timer?.cancel() }

        let result = await withCancellableUnsafeContinuation { continuation in
            if let ready = self.state.withLock({ $0.pending.wait(continuation, key: key) }) {
                continuation.resume(returning: ready)
            }
        } onCancel: {
            self.giveUp(key, with: Self.cancelled(command))
        }
        if isGuestAgent, case .failure(let error) = result, error.code == .timedOut || error.code == .cancelled,
           guestAgentPolicy?.echoesIDs == false {
            // Its late reply, if any, would carry no id, and be taken for the next command's.
            // `disconnected` for everyone else: the caller's own code would tell commands that
            // neither timed out nor were cancelled that they had.
            await end(with: QMPError(
                .disconnected,
                "the guest agent does not echo ids, and '\(command)' was given up (\(error.code)) before its reply, which would have been taken for the next command's: the session ended (connect again to resynchronise)"
            ))
        }
        return result
    }

    /// For a guest agent's command that does not answer on success (see ``GuestAgentPolicy``):
    /// queues it and returns an empty success, without waiting.
    ///
    /// An agent that echoes ids gets one here even in a caller's message without one, so that
    /// an error reply (the command may fail after all) is dropped as nobody's, not taken for
    /// an id-less command's; one that echoes none is handled by ``passOverLateAgentError(before:timeout:)``.
    private func sendWithoutReply(_ outgoing: OutgoingCommand) -> Result<Message, QMPError> {
        let prepared = state.withLock { state -> Result<JSONValue?, QMPError> in
            if let closed = state.pending.closedError { return .failure(closed) }
            // Before it is written: an agent that fails it at once may answer before this returns.
            if state.guestAgent?.echoesIDs == false { state.agentResync = .errorMayFollow }
            guard state.guestAgent?.echoesIDs == true, outgoing.id == nil else { return .success(outgoing.id) }
            state.lastID += 1
            return .success(.string(CommandID.string(for: state.lastID)))
        }
        let id: JSONValue?
        switch prepared {
        case .failure(let error): return .failure(error)
        case .success(let chosen): id = chosen
        }
        let bytes = outgoing.serializedBytes(id: id)
        if let trace = configuration.trace {
            trace(TraceRecord(direction: .sent, text: String(decoding: bytes, as: UTF8.self)))
        }
        guard outbound.enqueue(OutboundQueue.Item(bytes: bytes, fileDescriptors: []), writeNow: transport.sendImmediately) else {
            return .failure(endError ?? .disconnected("the guest agent connection closed"))
        }
        return .success(Message(["return": .object([:])]))
    }

    private static func cancelled(_ command: String) -> QMPError {
        QMPError(.cancelled, "QMP command '\(command)' was cancelled", command: command)
    }

    private func giveUp(_ key: PendingCommands.Key, with error: QMPError) {
        state.withLock { $0.pending.abandon(key, with: error) }?.resume(returning: .failure(error))
    }

    // MARK: Ending

    /// Ends the session: fails everything pending with `error`, closes the
    /// transport and waits for the reader to stop. Idempotent.
    nonisolated(nonsending) func end(with error: QMPError) async {
        let (waiters, greetingWaiter, first) = state.withLock { state in
            guard state.endError == nil else {
                return ([PendingCommands.Waiter](), CheckedContinuation<Result<Greeting, QMPError>, Never>?.none, false)
            }
            state.endError = error
            isRunning.store(false, ordering: .releasing)
            var greetingWaiter: CheckedContinuation<Result<Greeting, QMPError>, Never>?
            if case .awaitingGreeting(let waiter) = state.phase { greetingWaiter = waiter }
            state.phase = .ended
            return (state.pending.close(with: error), greetingWaiter, true)
        }
        let (reader, writer) = tasks.withLock { $0 }
        if first {
            greetingWaiter?.resume(returning: .failure(error.code == .disconnected
                ? QMPError(.greetingFailed, "no QMP greeting: \(error.message)") : error))
            for waiter in waiters { waiter.resume(returning: .failure(error)) }
            outbound.close()
            await transport.close()
            reader?.cancel()
            writer?.cancel()
            onEnd(self, error)
            let waiters = state.withLock { state in
                state.isDown = true
                return state.downWaiters
            }
            for waiter in waiters { waiter.resume() }
        } else if !isReaderTask {
            // Another end (a timeout's, a disconnect's) is under way: wait until it has told the
            // client. Not on the reader task, which that end may be waiting for.
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let isDown = state.withLock { state in
                    if !state.isDown { state.downWaiters.append(waiter) }
                    return state.isDown
                }
                if isDown { waiter.resume() }
            }
        }
        // Let the reader finish so no event is dispatched after `end` returns,
        // unless the reader itself is the caller.
        if !isReaderTask { await reader?.value }
    }

    @TaskLocal private static var currentReader: ObjectIdentifier?
    private var isReaderTask: Bool { Session.currentReader == ObjectIdentifier(self) }

    // MARK: Loops

    private func writeLoop() async {
        while let items = await outbound.next() {
            do {
                try await write(items)
            } catch {
                let failure = (error as? QMPError) ?? QMPError(.transportFailed, "\(error)")
                await end(with: Self.connectionLost(failure, doing: "sending to QEMU"))
                return
            }
        }
    }

    private func write(_ items: [OutboundQueue.Item]) async throws {
        // Consecutive plain writes go out as one; descriptors go with their own message.
        var batch: [UInt8] = []
        batch.reserveCapacity(items.reduce(0) { $0 + $1.bytes.count })
        for item in items {
            if item.fileDescriptors.isEmpty {
                batch.append(contentsOf: item.bytes)
                continue
            }
            if !batch.isEmpty {
                try await transport.send(batch)
                batch = []
            }
            guard let passing = transport as? any FileDescriptorPassingTransport else {
                throw QMPError(.invalidState, "this transport cannot pass file descriptors")
            }
            try await passing.send(item.bytes, fileDescriptors: item.fileDescriptors)
        }
        if !batch.isEmpty { try await transport.send(batch) }
    }

    private func readLoop() async {
        await Session.$currentReader.withValue(ObjectIdentifier(self)) {
            let error = await receiveUntilEnd()
            await end(with: error)
        }
    }

    /// After this many chunks read for the reader, a caller hands the rest back to it.
    private static let maxChunksDrainedByCaller = 4

    /// Chunks at least this large end with a yield (socket reads are up to 64 KiB).
    private static let largeChunk = 16 * 1024

    /// Reads and handles messages until the stream ends; returns why it ended.
    private func receiveUntilEnd() async -> QMPError {
        if let directTransport { return await receiveUntilEnd(sharingWithCallers: directTransport) }
        do {
            while true {
                guard let chunk = try await transport.receive() else { return endOfStreamError() }
                try inbound.withLock { inbound throws(QMPError) in try handle(chunk, in: &inbound) }
                // A large chunk means more is probably waiting, and a transport's reads return
                // without suspending while it is: let other tasks on this executor (with a
                // socket transport, every connection's reader) have their turn.
                if chunk.count >= Self.largeChunk { await Task.yield() }
            }
        } catch {
            return Self.readFailure(error)
        }
    }

    /// The reader's loop when lone commands' callers may read their own replies: it reads
    /// only while it holds `readRole`, and waits for news while a caller does.
    private func receiveUntilEnd(sharingWithCallers transport: any DirectReadTransport) async -> QMPError {
        while true {
            do {
                // Read first: readiness reported after it (a caller handing reading back
                // included) ends the waits below.
                let readiness = transport.readinessCount
                guard case .taken = readRole.takeForReader() else {
                    // The caller reads again, or hands reading back, before it lets go (see `ReadRole`).
                    try await transport.waitForReadiness(after: readiness)
                    // Once closed that returns at once: the session's end is the reader's too.
                    if let endError { return endError }
                    continue
                }
                let step = readOnce(from: transport)
                readRole.releaseByReader()
                switch step {
                case .handled(let large): if large { await Task.yield() }
                case .wouldBlock: try await transport.waitForReadiness(after: readiness)
                case .ended(let error): return error
                }
            } catch {
                return Self.readFailure(error)
            }
        }
    }

    private enum ReadStep {
        case handled(large: Bool)
        case wouldBlock
        case ended(QMPError)
    }

    /// One read that never waits, its messages handled; by the holder of `readRole`.
    private func readOnce(from transport: any DirectReadTransport) -> ReadStep {
        inbound.withLock { inbound in
            if let ended = inbound.ended { return .ended(ended) }
            let failure: QMPError
            do {
                switch try transport.receiveNow() {
                case .bytes(let chunk):
                    try handle(chunk, in: &inbound)
                    return .handled(large: chunk.count >= Self.largeChunk)
                case .wouldBlock:
                    return .wouldBlock
                case .endOfStream:
                    failure = endOfStreamError()
                }
            } catch {
                failure = Self.readFailure(error)
            }
            inbound.ended = failure
            return .ended(failure)
        }
    }

    /// Reads on the caller's thread, which holds `readRole`, until the reply to `key` has
    /// been handled or `budget` has passed, waiting in the kernel between reads; then lets
    /// the role go.
    ///
    /// Returns the command's outcome when it came, and why the session must end when the
    /// stream ended or failed meanwhile (the caller ends it: the reader, not woken for
    /// an end this read consumed, may never see it).
    private func readOwnReply(
        _ key: PendingCommands.Key, from transport: any DirectReadTransport, within budget: Duration
    ) -> (outcome: Result<Message, QMPError>?, failure: QMPError?) {
        let deadline = ContinuousClock.now + budget
        var failure: QMPError?
        var outcome: Result<Message, QMPError>?
        // The command was just written, so its reply is not in yet: wait before the first read
        // (the wait returns at once if bytes are there) rather than spend a read on EAGAIN.
        var mayBeReadable = false
        reading: while outcome == nil && failure == nil {
            if !mayBeReadable {
                let left = deadline - ContinuousClock.now
                guard left > .zero, transport.waitUntilReceivable(within: left) else { break reading }
            }
            switch readOnce(from: transport) {
            case .handled:
                mayBeReadable = true
                outcome = state.withLock { $0.pending.outcome(of: key) }
            case .wouldBlock:
                mayBeReadable = false
            case .ended(let error):
                failure = error
                outcome = state.withLock { $0.pending.outcome(of: key) }
            }
        }
        transport.resumeReadinessReports()
        // The reader may have seen readiness for bytes this thread has not read yet: read
        // them, unless they keep coming (a flood is the reader's), or the stream ended.
        var drained = 0
        releasing: while !readRole.releaseByCaller() {
            draining: while true {
                switch readOnce(from: transport) {
                case .wouldBlock:
                    break draining
                case .handled:
                    drained += 1
                    if drained < Self.maxChunksDrainedByCaller { continue }
                case .ended(let error):
                    failure = error
                }
                readRole.handBackByCaller()
                transport.reportReadiness()
                break releasing
            }
        }
        state.withLock { $0.replyWaiting.record(answered: outcome != nil) }
        if outcome != nil { ownReplyReads.add(1, ordering: .relaxed) }
        return (outcome, failure)
    }

    /// Frames and handles one chunk; events go to the listeners before any reply after them,
    /// and those read before a framing error still do before the session ends.
    private func handle(_ chunk: [UInt8], in inbound: inout Inbound) throws(QMPError) {
        guard isGuestAgent, chunk.contains(GuestAgentHandshake.delimiter) else {
            inbound.framer.append(chunk)
            return try handleFramed(in: &inbound)
        }
        // A guest agent answers `guest-sync-delimited` (the caller's own resynchronisation,
        // as the handshake's) with 0xFF first, a byte no JSON holds: what came before it
        // is read as usual, a message it cut off is stale, and what follows is read afresh.
        var rest = chunk[...]
        while let delimiter = rest.firstIndex(of: GuestAgentHandshake.delimiter) {
            inbound.framer.append(rest[..<delimiter])
            try handleFramed(in: &inbound)
            _ = inbound.framer.discard(through: GuestAgentHandshake.delimiter, orAll: true)
            configuration.trace?(TraceRecord(direction: .received, text: "\\xFF"))
            rest = rest[(delimiter + 1)...]
        }
        inbound.framer.append(rest)
        try handleFramed(in: &inbound)
    }

    /// Handles the messages the framer now holds.
    private func handleFramed(in inbound: inout Inbound) throws(QMPError) {
        let tracing = configuration.trace != nil
        var failure: QMPError?
        do {
            while let (parsed, bytes) = try inbound.framer.nextParsed(maxDepth: configuration.maxDepth, keepingEventBytes: tracing) {
                // Consumed, so the event moves into the batch instead of being copied and released.
                switch consume parsed {
                case .event(let event): try handle(event, bytes: bytes, in: &inbound)
                case .message(let message): try handle(message, bytes: bytes, in: &inbound)
                }
            }
        } catch {
            failure = error
        }
        // Replies first: the events after them came after them.
        if let refused = deliverReplies(in: &inbound), failure == nil { failure = refused }
        flush(&inbound.events)
        if let failure { throw failure }
    }

    /// Why reading failed, as the session's end.
    private static func readFailure(_ error: any Error) -> QMPError {
        switch error {
        case let error as QMPError: return connectionLost(error, doing: "receiving from QEMU")
        case is CancellationError: return .disconnected("the QMP connection was closed")
        default: return QMPError(.disconnected, "the connection to QEMU was lost receiving: \(error)")
        }
    }

    /// A failed read or write ends the session like an end of stream: callers see
    /// ``QMPError/Code/disconnected`` whether QEMU closed cleanly or the socket was reset
    /// (a killed QEMU gives either), with the OS's reason kept in the message and `errno`.
    /// Protocol errors (garbage, oversized messages) keep their own codes.
    static func connectionLost(_ error: QMPError, doing what: String) -> QMPError {
        guard error.code == .transportFailed else { return error }
        var lost = error
        lost.code = .disconnected
        lost.message = "the connection to QEMU was lost \(what): \(error.message)"
        return lost
    }

    private func endOfStreamError() -> QMPError {
        let pending = pendingCount
        let what = pending == 0 ? "" : " while \(pending) command\(pending == 1 ? " was" : "s were") pending"
        return .disconnected("QEMU closed the QMP connection (end of stream)\(what)")
    }

    /// Hands the batched events to the listeners.
    private func flush(_ events: inout [Event]) {
        guard !events.isEmpty else { return }
        let count = events.count
        onEvents(self, events)
        // Listeners may keep the array they were handed (see `SegmentedQueue`): the next batch
        // gets one sized like this one, not like the largest batch so far, whose spare room
        // every kept batch would pin. A smaller batch after a large one still comes with room
        // to spare; the queue counts it and copies such a batch's events out rather than keep
        // it, so it costs a copy, not memory, while a steady flood's batches (about the size
        // of the one before) are shared and the reader is spared regrowing each one.
        events = []
        events.reserveCapacity(count)
    }

    /// Queues an event that arrived in QEMU's layout (see ``MessageFramer/nextParsed(maxDepth:)``).
    private func handle(_ event: consuming Event, bytes: ArraySlice<UInt8>, in inbound: inout Inbound) throws(QMPError) {
        trace(bytes)
        try deliverRepliesBeforeEvent(in: &inbound)
        // Events before negotiation completes belong to no session the user can see.
        guard isRunning.load(ordering: .acquiring) else { return }
        inbound.events.append(event)
    }

    private func trace(_ bytes: ArraySlice<UInt8>) {
        if let trace = configuration.trace {
            trace(TraceRecord(direction: .received, text: String(decoding: bytes, as: UTF8.self)))
        }
    }

    /// Handles one message. Events are batched in `inbound.events`, replies in
    /// `inbound.replies`; a reply first flushes the events, so an event QEMU sent before a
    /// reply is with the listeners before the caller resumes.
    private func handle(_ message: Message, bytes: ArraySlice<UInt8>, in inbound: inout Inbound) throws(QMPError) {
        trace(bytes)
        let kind = message.kind
        if kind != .greeting && kind != .event && !isRunning.load(ordering: .acquiring) && isAwaitingGreeting {
            throw QMPError(.greetingFailed, "expected a QMP greeting, got: \(message)")
        }
        switch kind {
        case .success, .error:
            // Before the reply can be seen: a caller may take it the moment it is delivered.
            flush(&inbound.events)
            inbound.replies.append(message)
        case .event:
            try deliverRepliesBeforeEvent(in: &inbound)
            guard isRunning.load(ordering: .acquiring) else { return }
            do {
                inbound.events.append(try Event(message))
            } catch {
                state.withLock { $0.unexpectedMessages += 1 }
            }
        case .greeting:
            try receiveGreeting(message)
        case .command, .unknown:
            state.withLock { $0.unexpectedMessages += 1 }
        }
    }

    /// Replies read before an event reach their callers before it: the reply to
    /// `qmp_capabilities` starts the running phase that lets events through.
    private func deliverRepliesBeforeEvent(in inbound: inout Inbound) throws(QMPError) {
        if let refused = deliverReplies(in: &inbound) { throw refused }
    }

    /// Gives the replies read since the last event to their callers, under one lock for
    /// them all (pipelined replies come in runs); returns the protocol error that ends
    /// the session if one was a reply nobody could have asked for.
    private func deliverReplies(in inbound: inout Inbound) -> QMPError? {
        guard !inbound.replies.isEmpty else { return nil }
        defer { inbound.replies.removeAll(keepingCapacity: true) }
        var refused: Message?
        let waiters = state.withLock { state in
            var waiters: [(PendingCommands.Waiter, Message)] = []
            waiters.reserveCapacity(inbound.replies.count)
            replies: for message in inbound.replies {
                if message.kind == .success, let id = state.negotiationID, message.id == id, case .greeted = state.phase {
                    state.phase = .running
                    isRunning.store(true, ordering: .releasing)
                }
                if let resync = state.agentResync, message.id == nil {
                    guard case .syncing(let token) = resync, message["return"]?.intValue == token else {
                        // The no-reply command's late error: nobody's.
                        state.unexpectedMessages += 1
                        continue
                    }
                    state.agentResync = nil
                }
                // An agent that echoed the handshake's id gets one with every command: an
                // id-less reply answers none, and one of ours may be waiting for it forever.
                if message.id == nil, state.guestAgent?.echoesIDs == true, !state.pending.awaitsIDlessReply {
                    refused = message
                    break replies
                }
                switch state.pending.reply(message) {
                case .resume(let waiter): waiters.append((waiter, message))
                case .drop: continue
                case .protocolError:
                    refused = message
                    break replies
                }
            }
            return waiters
        }
        for (waiter, message) in waiters { waiter.resume(returning: .success(message)) }
        guard let refused else { return nil }
        let desc = ErrorReply(refused)?.description ?? "\(refused)"
        if isGuestAgent {
            let echoes = guestAgentPolicy?.echoesIDs != false
            return QMPError(
                .unexpectedReply,
                echoes
                    ? "the guest agent answered without an id, though it echoed the handshake's (connect again to resynchronise): \(desc)"
                    : "the guest agent reported an error while no command was waiting (connect again to resynchronise): \(desc)"
            )
        }
        return QMPError(
            .unexpectedReply,
            "QEMU reported an error without an id while no command without an id was pending: \(desc)"
        )
    }

    private var isAwaitingGreeting: Bool {
        state.withLock { state in
            if case .awaitingGreeting = state.phase { return true }
            return false
        }
    }

    private func receiveGreeting(_ message: Message) throws(QMPError) {
        let greeting = try Greeting(message)
        let waiter: CheckedContinuation<Result<Greeting, QMPError>, Never>?? = state.withLock { state in
            guard case .awaitingGreeting(let waiter) = state.phase else {
                state.unexpectedMessages += 1
                return .none
            }
            state.phase = .greeted(greeting)
            return .some(waiter)
        }
        if case .some(.some(let waiter)) = waiter { waiter.resume(returning: .success(greeting)) }
    }
}
