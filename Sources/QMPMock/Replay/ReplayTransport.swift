public import QMPCore
import Synchronization

/// Plays the server side of a ``Transcript``, so client code can be tested
/// against a recorded QEMU session without a VM.
///
/// ```swift
/// let replay = try ReplayTransport(transcript: Transcript(contentsOf: "stop-cont.qmp"))
/// let client = QMPClient()
/// try await client.connect(replay)
/// try await client.execute("stop")          // checked against the recording
/// try replay.verifyCompleted()
/// ```
///
/// - The server's messages (greeting, replies, events, end of stream) come out
///   in recorded order; a recorded client message holds back everything after
///   it until the client has sent it. The same transcript therefore gives the
///   same interleaving of replies and events on every run.
/// - Each client message is compared with the next recorded one. Ids are
///   normalised (the client may number its commands any way, and send a command
///   without an id that was recorded with one, or the other way round; replies
///   carry the client's ids back, or none) and member order does not matter. The first
///   mismatch fails the session with ``QMPError/Code/replayMismatch``, whose
///   message names the entry and shows expected and sent text.
/// - Instant by default; ``Timing/recorded`` waits before each server message as
///   long as the recording did after the message before it, either side's: the client's
///   own pauses (the time it took to send a command) are not played again as the server's.
public final class ReplayTransport: Transport {
    /// How fast the server side plays.
    public enum Timing: Sendable {
        /// As fast as the client reads.
        case instant
        /// With the recorded gaps before server messages (transcripts recorded with timing),
        /// each measured from the message before it, the client's included.
        case recorded
    }

    private enum Step {
        /// `reply` is kept only for a reply or a message with an id, which may need the client's
        /// id put in or taken out: a replayed flood of millions of events would otherwise hold
        /// each one parsed.
        case server(bytes: [UInt8], reply: Message?, time: Double?)
        /// `entry` is its number among the transcript's entries, counting from 1, for messages
        /// (the client's 0xFF entries are not steps, so a step's index would be off by them).
        case client(message: Message, entry: Int, time: Double?)
        case endOfStream
    }

    private struct State {
        var serverCursor = 0
        var clientCursor = 0
        var idMap: [JSONValue: JSONValue] = [:]
        /// Recorded ids of commands the client sent without one: their replies go out without.
        var strippedIDs: Set<JSONValue> = []
        /// For each client command recorded without an id, oldest first, the id the client
        /// gave it, if any: recorded id-less replies are answered in that order.
        var idlessReplyIDs: [JSONValue?] = []
        /// The number of each recorded `guest-sync-delimited` (or `guest-sync`), mapped to the
        /// client's: a guest agent client picks a random one, which its reply must carry back.
        var syncTokens: [JSONValue: JSONValue] = [:]
        var framer = MessageFramer()
        var mismatch: QMPError?
        var isClosed = false
        var endOfStreamSent = false
        var waiter: CheckedContinuation<Void, Never>?
        /// The receive waiting out a recorded gap, which ``ReplayTransport/close()`` ends
        /// (one at most: receives never overlap, see ``Transport``).
        var gapWaiter: CheckedContinuation<Void, Never>?
        var lastTime: Double?
    }

    /// Server messages that need no rewriting (no id to map), framed ahead of time
    /// into socket-sized chunks: `.instant` replay hands each out without copying.
    private struct Prebuilt {
        var bytes: [UInt8]
        /// The step after the chunk's last message.
        var next: Int
    }

    private static let chunkSize = 64 * 1024
    private let steps: [Step]
    /// Keyed by the step each chunk starts at. The server cursor moves either one step
    /// outside these runs or one whole chunk, so it never lands inside a chunk, and the
    /// steps a chunk covers keep no bytes of their own.
    private let prebuilt: [Int: Prebuilt]
    private let timing: Timing
    private let state = Lock(State())
    /// For tests: runs between a ``receive()`` finding it must wait for the client and
    /// its wait, the window in which the client's message may land.
    package let beforeWaitingForClient = Lock<(@Sendable () async -> Void)?>(nil)

    /// Prepares to play `transcript`'s server side; nothing is sent until the client reads.
    ///
    /// Every entry is parsed here, so a broken transcript fails before any client
    /// code runs. One transport plays the recording once: make a new one per test.
    ///
    /// - Parameters:
    ///   - transcript: The recorded session, for example from ``Transcript/init(contentsOf:)``.
    ///   - timing: ``Timing/instant`` (the default) or ``Timing/recorded``.
    /// - Throws: ``QMPError/Code/malformedMessage`` when an entry's text is not a JSON object.
    public init(transcript: Transcript, timing: Timing = .instant) throws(QMPError) {
        var steps: [Step] = []
        for (index, entry) in transcript.entries.enumerated() {
            if entry.isDelimiter {
                // The server's 0xFF is played; the client's is not compared (see `send`).
                if entry.direction == .fromServer { steps.append(.server(bytes: [0xFF], reply: nil, time: entry.time)) }
                continue
            }
            guard let message = try entry.message() else {
                steps.append(.endOfStream)
                continue
            }
            switch entry.direction {
            case .fromServer:
                let bytes = Array((entry.text ?? "").utf8) + [13, 10]
                let isReply = message.kind == .success || message.kind == .error
                steps.append(.server(bytes: bytes, reply: message.id != nil || isReply ? message : nil, time: entry.time))
            case .fromClient:
                steps.append(.client(message: message, entry: index + 1, time: entry.time))
            }
        }
        prebuilt = timing == .instant ? Self.prebuildChunks(&steps) : [:]
        self.steps = steps
        self.timing = timing
    }

    private static func prebuildChunks(_ steps: inout [Step]) -> [Int: Prebuilt] {
        var chunks: [Int: Prebuilt] = [:]
        var index = 0
        while index < steps.count {
            guard case .server(_, nil, _) = steps[index] else {
                index += 1
                continue
            }
            let start = index
            var bytes: [UInt8] = []
            while index < steps.count, bytes.count < chunkSize,
                  case .server(let messageBytes, nil, let time) = steps[index] {
                bytes.append(contentsOf: messageBytes)
                steps[index] = .server(bytes: [], reply: nil, time: time)
                index += 1
            }
            chunks[start] = Prebuilt(bytes: bytes, next: index)
        }
        return chunks
    }

    /// Convenience for a transcript's text.
    public convenience init(text: String, timing: Timing = .instant) throws(QMPError) {
        try self.init(transcript: Transcript(parsing: text), timing: timing)
    }

    /// Whether a ``receive()`` waits out a recorded gap now: for tests, to close only once one does.
    package var isWaitingOutAGap: Bool { state.withLock { $0.gapWaiter != nil } }

    /// The first mismatch, if the client strayed from the recording.
    public var mismatch: QMPError? { state.withLock { $0.mismatch } }

    /// Throws unless the client sent every recorded message and received every reply and event.
    public func verifyCompleted() throws(QMPError) {
        let (mismatch, serverCursor, clientCursor) = state.withLock { ($0.mismatch, $0.serverCursor, $0.clientCursor) }
        if let mismatch { throw mismatch }
        let unsent = steps[clientCursor...].filter { if case .client = $0 { return true } else { return false } }.count
        if unsent > 0 {
            throw QMPError(.replayMismatch, "replay incomplete: the client did not send \(unsent) recorded message(s); next expected is entry \(firstClientEntry(from: clientCursor) ?? 0)")
        }
        // The client's steps from the server's cursor on were sent (checked above): a
        // recording that ends with the client's message is complete once it is sent.
        let undelivered = steps[serverCursor...].filter { if case .client = $0 { return false } else { return true } }.count
        if undelivered > 0 {
            throw QMPError(.replayMismatch, "replay incomplete: \(undelivered) recorded server message(s) were never delivered")
        }
    }

    private func firstClientEntry(from index: Int) -> Int? {
        for step in steps[index...] {
            if case .client(_, let entry, _) = step { return entry }
        }
        return nil
    }

    // MARK: Transport

    /// Checks what the client sent against the recording and lets the server side
    /// go on past it.
    ///
    /// It does not throw for a mismatch: the mismatch is kept (see ``mismatch``)
    /// and the next ``receive()`` throws it, which ends the client's session.
    public func send(_ bytes: [UInt8]) async throws {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.mismatch == nil else { return nil }
            // A guest agent client's 0xFF resets the agent's parser; it is not a message.
            state.framer.append(bytes.contains(0xFF) ? bytes.filter { $0 != 0xFF } : bytes)
            do throws(QMPError) {
                while let frame = try state.framer.nextFrame() {
                    try match(frame, &state)
                }
            } catch {
                state.mismatch = error
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func match(_ frame: ArraySlice<UInt8>, _ state: inout State) throws(QMPError) {
        let sentText = String(decoding: frame, as: UTF8.self)
        guard let index = steps[state.clientCursor...].firstIndex(where: { if case .client = $0 { return true } else { return false } }),
              case .client(let expected, let entry, _) = steps[index]
        else {
            throw QMPError(.replayMismatch, "replay mismatch: the client sent a message after the end of the recording:\n  sent:     -> \(sentText)")
        }
        let sent: Message
        do {
            sent = try Message(parsing: frame)
        } catch {
            throw QMPError(.replayMismatch, "replay mismatch at entry \(entry): the client sent malformed JSON (\(error.message)):\n  expected: -> \(expected)\n  sent:     -> \(sentText)")
        }
        var expectedBody = expected.object
        var sentBody = sent.object
        let recordedID = expectedBody.removeValue(forKey: "id")
        let clientID = sentBody.removeValue(forKey: "id")
        let recordedToken = Self.removeSyncToken(&expectedBody)
        let clientToken = Self.removeSyncToken(&sentBody)
        guard expectedBody == sentBody else {
            throw QMPError(.replayMismatch, "replay mismatch at entry \(entry):\n  expected: -> \(expected)\n  sent:     -> \(sentText)")
        }
        switch (recordedID, clientID) {
        case (let recordedID?, let clientID?): state.idMap[recordedID] = clientID
        case (let recordedID?, nil): state.strippedIDs.insert(recordedID)
        case (nil, let clientID): state.idlessReplyIDs.append(clientID)
        }
        if let recordedToken, let clientToken { state.syncTokens[recordedToken] = clientToken }
        state.clientCursor = index + 1
    }

    /// Takes the number out of a `guest-sync-delimited` or `guest-sync` command, which is compared like an id.
    private static func removeSyncToken(_ command: inout JSONObject) -> JSONValue? {
        guard let name = command["execute"]?.stringValue, name == "guest-sync-delimited" || name == "guest-sync",
              var arguments = command["arguments"]?.objectValue, let token = arguments.removeValue(forKey: "id")
        else { return nil }
        command["arguments"] = .object(arguments)
        return token
    }

    /// The recorded `reply` with the client's id and sync number in place of the recorded
    /// ones, or `nil` to send it as recorded.
    private static func rewrite(_ reply: Message, _ state: inout State) -> JSONObject? {
        guard !state.syncTokens.isEmpty, let token = reply["return"], token.intValue != nil,
              let clientToken = state.syncTokens.removeValue(forKey: token) else {
            return rewriteID(reply, &state)
        }
        var reply = reply
        reply["return"] = clientToken
        return rewriteID(reply, &state) ?? reply.object
    }

    /// The recorded `reply` with the client's id in place of the recorded one (or none),
    /// or `nil` to send it as recorded.
    private static func rewriteID(_ reply: Message, _ state: inout State) -> JSONObject? {
        var object = reply.object
        guard let recordedID = reply.id else {
            guard reply.kind == .success || reply.kind == .error, !state.idlessReplyIDs.isEmpty,
                  let clientID = state.idlessReplyIDs.removeFirst()
            else { return nil }
            object["id"] = clientID
            return object
        }
        if state.strippedIDs.remove(recordedID) != nil {
            object.removeValue(forKey: "id")
            return object
        }
        guard let clientID = state.idMap[recordedID], clientID != recordedID else { return nil }
        object["id"] = clientID
        return object
    }

    /// The next recorded server messages: as many as come before the next recorded
    /// client message, which it waits for; `nil` at the recorded end of stream.
    ///
    /// A recording that ends without the server closing stays open, as an idle QEMU does.
    /// - Throws: The ``QMPError/Code/replayMismatch`` once the client strayed.
    public func receive() async throws -> [UInt8]? {
        while true {
            enum Next { case chunk([UInt8]), end, wait(clientCursor: Int), fail(QMPError), delay(Duration) }
            let next: Next = state.withLock { state in
                if let mismatch = state.mismatch { return .fail(mismatch) }
                if state.isClosed || state.endOfStreamSent { return .end }
                var chunk: [UInt8] = []
                // Socket-sized chunks: one huge chunk would only cost page faults downstream.
                while state.serverCursor < steps.count && chunk.count < Self.chunkSize {
                    if let ready = prebuilt[state.serverCursor] {
                        guard chunk.isEmpty else { return .chunk(chunk) }
                        state.serverCursor = ready.next
                        return .chunk(ready.bytes)
                    }
                    switch steps[state.serverCursor] {
                    case .server(let bytes, let reply, let time):
                        if timing == .recorded, let time {
                            let gap = time - (state.lastTime ?? time)
                            if gap > 0 && !chunk.isEmpty { return .chunk(chunk) }
                            if gap > 0 {
                                state.lastTime = time
                                return .delay(Self.delay(forGap: gap))
                            }
                            state.lastTime = time
                        }
                        if let reply, let rewritten = Self.rewrite(reply, &state) {
                            chunk.append(contentsOf: JSONValue.object(rewritten).serializedBytesQEMUStyle())
                            chunk.append(contentsOf: [13, 10])
                        } else {
                            chunk.append(contentsOf: bytes)
                        }
                        state.serverCursor += 1
                    case .client(_, _, let time):
                        guard state.clientCursor > state.serverCursor else {
                            return chunk.isEmpty ? .wait(clientCursor: state.clientCursor) : .chunk(chunk)
                        }
                        // The next gap runs from the client's message: sent now, not when recorded.
                        if timing == .recorded, let time { state.lastTime = max(state.lastTime ?? time, time) }
                        state.serverCursor += 1
                    case .endOfStream:
                        if !chunk.isEmpty { return .chunk(chunk) }
                        state.serverCursor += 1
                        state.endOfStreamSent = true
                        return .end
                    }
                }
                // The recording ends without the server closing: stay open, like an idle QEMU.
                return chunk.isEmpty ? .wait(clientCursor: state.clientCursor) : .chunk(chunk)
            }
            switch next {
            case .chunk(let bytes): return bytes
            case .end: return nil
            case .fail(let error): throw error
            case .delay(let duration): try await waitOutGap(duration)
            case .wait(let clientCursor):
                if let hook = beforeWaitingForClient.withLock({ $0 }) { await hook() }
                await waitForClient(after: clientCursor)
            }
        }
    }

    /// The wait for a positive gap between recorded times, to the microsecond. Times are
    /// finite and within ±292,000 years when parsed, so a gap between two of them can be
    /// twice what an `Int64` of microseconds holds, and one set in code can be infinite:
    /// such a gap waits as long as a `Duration` of microseconds can (until cancelled).
    static func delay(forGap gap: Double) -> Duration {
        .microseconds(Int64(min(gap, Transcript.largestTime) * 1_000_000))
    }

    /// Waits `duration`, or until ``close()``; throws when the task is cancelled first.
    private func waitOutGap(_ duration: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Task.sleep(for: duration) }
            group.addTask { await self.waitForClose() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Returns once the replay is closed, or the task cancelled.
    private func waitForClose() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.isClosed || Task.isCancelled { return true }
                    state.gapWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.gapWaiter = nil }
                return state.gapWaiter
            }?.resume()
        }
    }

    /// Waits until the client has sent more than it had at `clientCursor` (which may have
    /// happened since that was read, before this wait began), or the replay ended.
    private func waitForClient(after clientCursor: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.isClosed || state.mismatch != nil || state.clientCursor != clientCursor || Task.isCancelled {
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.isClosed = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Ends the replay: a pending and every later ``receive()`` returns `nil` (or
    /// throws the ``mismatch``, if there was one). ``verifyCompleted()`` still
    /// reports what was left unplayed.
    public func close() async {
        let (waiter, gapWaiter) = state.withLock { state in
            state.isClosed = true
            defer {
                state.waiter = nil
                state.gapWaiter = nil
            }
            return (state.waiter, state.gapWaiter)
        }
        waiter?.resume()
        gapWaiter?.resume()
    }
}
