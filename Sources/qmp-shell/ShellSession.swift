import QMP

/// Reads lines, runs them, prints replies and events; returns the exit status.
struct ShellSession {
    let client: QMPClient
    let options: ShellOptions
    let output: ShellOutput
    private var syntax = CommandLineSyntax()
    private var failed = false
    /// The terminal's line editor, where Ctrl-C gives up a running command; `nil` elsewhere.
    private var terminal: TerminalLineReader?

    init(client: QMPClient, options: ShellOptions, output: ShellOutput) {
        self.client = client
        self.options = options
        self.output = output
    }

    private var status: Int32 { failed ? 1 : 0 }

    mutating func run(interactive: Bool) async -> Int32 {
        let names = options.eventNames
        // No history: a long session would otherwise keep thousands of printed events.
        let events = Listener(EventFilter { names?.contains($0.name) ?? true }, historyLimit: 0)
        do {
            return try await client.listen(events) { await loop(events, interactive: interactive) }
        } catch {
            output.notice(QMPShellMain.describe(error))
            return 2
        }
    }

    /// Interactive: events print the moment they arrive, above the prompt. Scripted (`-c`,
    /// or stdin not a terminal): events that arrived before a result print just before it,
    /// so the output follows wire order and is the same on every run.
    private mutating func loop(_ events: Listener<EventFilter>, interactive: Bool) async -> Int32 {
        let output = output
        let printer = interactive ? Task { for try await event in events { output.event(event) } } : nil
        defer { printer?.cancel() }
        let flush = { if !interactive { for event in events.clear() { output.event(event) } } }
        let source = LineReader.inputs(
            commands: options.commands, client: client, output: output, history: HistoryFile.standard(hmp: options.hmp)
        )
        defer { source.stop() }
        terminal = source.editor
        if let editor = source.editor {
            let completer = await CompletionSource.load(from: client, hmp: options.hmp, agent: options.agent)
            editor.setCompleter(completer)
        }
        source.prompt(syntax.prompt)
        for await input in source.inputs {
            output.leavePrompt()
            switch input {
            case .line(let line):
                if await run(line, beforeResult: flush) {
                    // QEMU closes the connection right after answering quit; the next
                    // line must not race it, and the closing is no error.
                    await waitForDisconnect()
                    flush()
                    return status
                }
                if client.runState != .running { return lost(flush) }
            case .interrupt:
                // Ctrl-C on an empty line: it drops an open transaction, else it ends the shell.
                guard let dropped = syntax.abandonTransaction() else { ExitCleanup.exitInterrupted() }
                output.notice("transaction abandoned; its \(dropped) action(s) were not sent")
            case .endOfInput:
                flush()
                do {
                    try syntax.checkComplete()
                } catch {
                    output.syntaxError(error.message)
                    failed = true
                }
                if interactive && source.editor == nil { output.write("\n") }
                return status
            case .disconnected:
                return lost(flush)
            }
            source.prompt(syntax.prompt)
        }
        return status
    }

    /// Until the connection closes, for at most a few seconds (a server that ignores quit).
    private func waitForDisconnect() async {
        let client = client
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await state in client.runStates() where state == .idle { return }
            }
            group.addTask { try? await Task.sleep(for: .seconds(5)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// The connection closed when nobody asked it to.
    private func lost(_ flush: () -> Void) -> Int32 {
        flush()
        // Cleanup after Ctrl-C kills a launched QEMU: that loss is expected.
        if ExitCleanup.interrupted { return 2 }
        output.notice("connection to QEMU lost: \(client.lastError.map(QMPShellMain.describe) ?? "closed")")
        return 2
    }

    /// Runs one line; `beforeResult` runs just before its result prints.
    /// Returns whether the line asked QEMU to quit and QEMU agreed.
    private mutating func run(_ line: String, beforeResult: () -> Void) async -> Bool {
        let trimmed = line.trimmingBlanks()
        if options.hmp && !trimmed.hasPrefix("{") {
            if trimmed.isEmpty || trimmed.hasPrefix("#") { return false }
            do {
                let text = try await interruptible(trimmed) { [client] () async throws(QMPError) in
                    try await client.execute("human-monitor-command", arguments: ["command-line": .string(trimmed)])
                }
                beforeResult()
                output.hmpText(text)
                return ["quit", "q"].contains(trimmed.split(separator: " ").first ?? "")
            } catch {
                beforeResult()
                output.failure(error)
                failed = true
                return false
            }
        }
        // A QEMU command; a guest agent has no QOM, and gets the line as the command it names.
        if !syntax.inTransaction, !options.agent, QOMTree.isQOMTree(trimmed) {
            do throws(CommandLineSyntax.SyntaxError) {
                let path = try QOMTree.path(in: trimmed)
                do {
                    let nodes = try await interruptible("qom-tree") { [client] () async throws(QMPError) in
                        try await QOMTree.nodes(under: path, client: client)
                    }
                    beforeResult()
                    output.qomTree(nodes)
                } catch {
                    beforeResult()
                    output.failure(error)
                    failed = true
                }
            } catch {
                beforeResult()
                output.syntaxError(error.message)
                failed = true
            }
            return false
        }
        let parsed: Message?
        do {
            parsed = try syntax.parse(line)
        } catch {
            beforeResult()
            output.syntaxError(error.message)
            failed = true
            return false
        }
        guard let message = parsed else { return false }
        do {
            let reply = try await interruptible(message["execute"]?.stringValue ?? "the message") { [client] () async throws(QMPError) in
                try await client.executeMessage(Self.withID(message))
            }
            beforeResult()
            if let error = ErrorReply(reply) {
                output.failure(QMPError(
                    .commandFailed, error.description, command: message["execute"]?.stringValue,
                    errorClass: error.errorClass, errorDescription: error.description
                ))
                failed = true
                return false
            }
            output.reply(reply["return"] ?? .null)
            return message["execute"] == "quit"
        } catch {
            beforeResult()
            output.failure(error)
            failed = true
            return false
        }
    }

    /// Runs `operation`, the line `what`. On a terminal, Ctrl-C meanwhile gives it up (it
    /// throws ``QMPError/Code/cancelled``, saying so) and the shell goes on, where a QEMU
    /// that never answers would otherwise hold the shell.
    private func interruptible<T: Sendable>(
        _ what: String, _ operation: @escaping @Sendable () async throws(QMPError) -> T
    ) async throws(QMPError) -> T {
        guard let terminal else { return try await operation() }
        let running = Task { () async -> Result<T, QMPError> in
            do throws(QMPError) {
                return .success(try await operation())
            } catch {
                return .failure(error)
            }
        }
        terminal.setInterruption { running.cancel() }
        defer { terminal.setInterruption(nil) }
        let result = await withTaskCancellationHandler {
            await running.value
        } onCancel: {
            running.cancel()
        }
        if case .failure(let error) = result, error.code == .cancelled {
            // Not "cancelled": QEMU does not undo what it already received.
            throw QMPError(.cancelled, "gave up waiting for '\(what)' (Ctrl-C); QEMU may still carry it out", command: error.command)
        }
        return try result.get()
    }

    /// Raw JSON keeps its own id; other lines get a fresh one.
    private static func withID(_ message: Message) -> Message {
        guard message.id == nil else { return message }
        var message = message
        message["id"] = .string("qmp-shell-\(UInt64.random(in: 0...UInt64.max))")
        return message
    }
}
