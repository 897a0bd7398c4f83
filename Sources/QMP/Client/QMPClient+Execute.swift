public import QMPCore

extension QMPClient {
    /// Runs a command and returns the value of its `return` member.
    ///
    /// ```swift
    /// try await client.execute("stop")
    /// let status = try await client.execute("query-status")
    /// try await client.execute("blockdev-add", arguments: ["driver": "null-co", "node-name": "src"])
    /// ```
    ///
    /// It runs on the caller's executor: from the main actor or an actor, the call
    /// resumes once, when the reply has been read. A command sent with nothing else in
    /// flight goes without an id, the way go-qemu sends every command, because QEMU's
    /// cost grows with each byte it reads; the others get short base-62 ids.
    ///
    /// - Parameters:
    ///   - name: The command, e.g. `"query-status"`.
    ///   - arguments: The `arguments` member; omitted when `nil`.
    ///   - oob: Send it as `exec-oob`, to be run out of band (the `oob` capability must be enabled).
    ///   - timeout: How long to wait for the reply; ``Configuration/defaultTimeout`` when `nil`.
    /// - Throws: ``QMPError/Code/commandFailed`` with QEMU's class and description when QEMU
    ///   answers with an error; ``QMPError/Code/disconnected``, ``QMPError/Code/timedOut``,
    ///   ``QMPError/Code/cancelled`` or ``QMPError/Code/invalidState`` otherwise; when the
    ///   session ends because QEMU broke the protocol, that error's code
    ///   (``QMPError/Code/messageTooLarge``, ``QMPError/Code/malformedMessage``,
    ///   ``QMPError/Code/unexpectedReply``).
    ///
    /// A `quit` that QEMU accepts returns once QEMU has closed the connection (it does right
    /// after its reply; the client waits up to 5 s, and never past `timeout`, then closes it
    /// itself), so the client is ``RunState/idle`` and ``connect(_:)`` may follow at once.
    @discardableResult
    nonisolated(nonsending) public func execute(
        _ name: String,
        arguments: JSONObject? = nil,
        oob: Bool = false,
        timeout: Duration? = nil
    ) async throws(QMPError) -> JSONValue {
        try await execute(name, arguments: arguments, oob: oob, fileDescriptors: [], timeout: timeout)
    }

    /// Runs a command with open file descriptors attached, as `getfd` and `add-fd` need.
    ///
    /// The transport must be a ``FileDescriptorPassingTransport`` (a Unix socket).
    /// QEMU receives duplicates; the caller still owns and should close its descriptors.
    ///
    /// ```swift
    /// try await client.execute("getfd", arguments: ["fdname": "log"], fileDescriptors: [fd])
    /// ```
    @discardableResult
    nonisolated(nonsending) public func execute(
        _ name: String,
        arguments: JSONObject? = nil,
        oob: Bool = false,
        fileDescriptors: [Int32],
        timeout: Duration? = nil
    ) async throws(QMPError) -> JSONValue {
        let session = try currentSession(for: name)
        if session.schema.isLoaded { try check(name, arguments, oob: oob, in: session) }
        let timeout = timeout ?? configuration.defaultTimeout
        let deadline = timeout.map { ContinuousClock.now + $0 }
        // Written straight to bytes; the session adds an id when one is needed (see `IDAssignment`).
        let reply = try await session.roundTrip(
            .execute(name: name, arguments: arguments, outOfBand: oob), command: name, fileDescriptors: fileDescriptors,
            timeout: timeout, assigningID: true
        ).get()
        await settleQuit(name, reply: reply, in: session, deadline: deadline)
        if let error = ErrorReply(reply) {
            throw QMPError(
                .commandFailed, "QMP command '\(name)' failed: \(error.errorClass): \(error.description)",
                command: name, errorClass: error.errorClass, errorDescription: error.description
            )
        }
        return reply["return"] ?? .null
    }

    /// Sends a message exactly as given and returns the reply message as received,
    /// error replies included (they are not thrown).
    ///
    /// The message's `id`, if any, is used as is and must be unique among pending
    /// commands, and among those given up (timed out, cancelled) whose late reply has not
    /// come yet; prefer strings, since QEMU rewrites some numbers. The client's own ids
    /// are short base-62 strings (`"1"`, `"z"`, `"1A"`), so give yours a prefix or any
    /// character outside `0-9a-zA-Z`. Messages without an id are answered in order and
    /// matched in order, with the client's own commands that went without one (see
    /// ``execute(_:arguments:oob:timeout:)-(_,JSONObject?,_,_)``): send one only while no other task issues
    /// commands, or give it an id.
    ///
    /// The message is sent as is, never checked against a loaded schema
    /// (see ``loadSchema(timeout:)``).
    nonisolated(nonsending) public func executeMessage(_ message: Message, timeout: Duration? = nil) async throws(QMPError) -> Message {
        let name = message["execute"]?.stringValue ?? message["exec-oob"]?.stringValue ?? "(raw message)"
        let session = try currentSession(for: name)
        let timeout = timeout ?? configuration.defaultTimeout
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let reply = try await session.roundTrip(.message(message), command: name, timeout: timeout).get()
        await settleQuit(name, reply: reply, in: session, deadline: deadline)
        return reply
    }
}
