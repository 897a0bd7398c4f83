public import QMPCore

extension QMPClient {
    /// Connects to a QEMU Guest Agent (`qemu-ga`) instead of QMP, over any transport:
    /// the Unix socket of a `virtserialport` chardev on the host, a TCP one, or an agent
    /// listening itself (`qemu-ga -m unix-listen`).
    ///
    /// ```swift
    /// let agent = QMPClient()
    /// let info = try await agent.connectToGuestAgent(try await UnixSocketTransport.connect(path: "/tmp/qga.sock"))
    /// print("agent \(info.version ?? "?")")
    /// try await agent.execute("guest-ping")
    /// let exec = try await agent.execute("guest-exec", arguments: ["path": "/bin/echo", "arg": ["hi"], "capture-output": true])
    /// ```
    ///
    /// An agent sends no greeting and takes no `qmp_capabilities`. Instead the client
    /// resynchronises the channel, which may hold what an earlier client left: it sends
    /// the byte 0xFF (the agent's parser resets on it) and `guest-sync-delimited` with a
    /// random number, and skips everything before the agent's 0xFF that precedes the
    /// answer carrying that number. Then it reads `guest-info` once, to learn which
    /// commands do not answer on success: ``execute(_:arguments:oob:timeout:)-(_,JSONObject?,_,_)``
    /// returns an empty object for those (`guest-shutdown`, `guest-suspend-*`) as soon as
    /// they are sent, which confirms nothing. If one fails after all, its error reply is
    /// passed over (it counts in ``unexpectedMessageCount``), never handed to another command:
    /// such a command gets an id, and with an agent that echoes none, the next command first
    /// sends `guest-sync`, skipping replies until its answer. An agent whose `guest-info`
    /// fails is assumed to be like QEMU 7.2's.
    ///
    /// Commands then run as with QMP, matched to their replies by id; an agent that does not
    /// echo ids is sent one command at a time without them, and there a timeout or cancellation
    /// ends the session, since a late reply could not be told from the next one. There are
    /// no events and no ``greeting``.
    ///
    /// - Parameters:
    ///   - transport: The connection to the agent.
    ///   - timeout: The time allowed for the handshake and `guest-info` together; `nil`
    ///     waits as long as it takes. An agent in a guest that is not running never answers.
    /// - Throws: ``QMPError/Code/timedOut`` when the agent does not answer in time,
    ///   ``QMPError/Code/disconnected`` when it closes the connection first,
    ///   ``QMPError/Code/cancelled``, ``QMPError/Code/invalidState`` unless the client is idle,
    ///   ``QMPError/Code/messageTooLarge`` for an oversized answer or more than four
    ///   times ``Configuration/maxMessageSize`` of stale output before it, or
    ///   ``QMPError/Code/connectionFailed`` at once when the peer greets with QMP (a QEMU
    ///   monitor, which would never answer the handshake).
    @discardableResult
    nonisolated(nonsending) public func connectToGuestAgent(
        _ transport: some Transport,
        timeout: Duration?
    ) async throws(QMPError) -> GuestAgentConnection {
        let session = try startSession(on: transport, guestAgent: true)
        do throws(QMPError) {
            let info = try await withDeadline(timeout, session: session, doing: "waiting for the guest agent's handshake") {
                () async throws(QMPError) -> GuestAgentConnection in
                let echoesIDs: Bool
                do throws(QMPError) {
                    echoesIDs = try await GuestAgentHandshake(transport: transport, configuration: configuration).run()
                } catch {
                    // A timeout or cancellation closes the transport under the handshake (a transport may
                    // also end its read on cancellation itself): report that, not what it caused.
                    if Task.isCancelled { throw QMPError.cancelled("connecting") }
                    throw session.endError ?? error
                }
                session.guestAgentPolicy = GuestAgentPolicy(echoesIDs: echoesIDs)
                session.start()
                return try await readGuestInfo(session, echoesIDs: echoesIDs)
            }
            session.guestAgentPolicy = GuestAgentPolicy(echoesIDs: info.echoesIDs, noReplyCommands: info.noReplyCommands)
            try markRunning(session)
            return info
        } catch {
            await session.end(with: error)
            throw error
        }
    }

    /// ``connectToGuestAgent(_:timeout:)`` within ``Configuration/connectTimeout``.
    @discardableResult
    nonisolated(nonsending) public func connectToGuestAgent(_ transport: some Transport) async throws(QMPError) -> GuestAgentConnection {
        try await connectToGuestAgent(transport, timeout: configuration.connectTimeout)
    }

    /// The agent's `guest-info`, or, when it fails with an error reply, what the manual says.
    nonisolated(nonsending) private func readGuestInfo(_ session: Session, echoesIDs: Bool) async throws(QMPError) -> GuestAgentConnection {
        let reply = try await session.roundTrip(
            .execute(name: "guest-info"), command: "guest-info", timeout: nil, assigningID: true
        ).get()
        if let value = reply["return"], let info = GuestAgentConnection(guestInfo: value, echoesIDs: echoesIDs) {
            return info
        }
        return GuestAgentConnection(
            version: nil, commands: [], echoesIDs: echoesIDs,
            noReplyCommands: GuestAgentPolicy.documentedNoReplyCommands
        )
    }
}
