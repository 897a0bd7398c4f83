import QMP

/// Reads lines, runs them, prints replies and events.
struct ShellSession {
    let client: QMPClient
    let options: ShellOptions
    let output: ShellOutput

    private var filter: EventFilter {
        let names = options.eventNames
        return EventFilter { event in names?.contains(event.name) ?? true }
    }

    func run(interactive: Bool) async -> Int32 {
        let events = Listener(filter)
        do {
            return try await client.listen(events) {
                interactive ? await runInteractive(events) : await runScript(events)
            }
        } catch {
            output.write("qmp-shell: \(QMPShellMain.describe(error))\n", to: 2)
            return 2
        }
    }

    /// Interactive: events print the moment they arrive, above the prompt.
    private func runInteractive(_ events: Listener<EventFilter>) async -> Int32 {
        let printer = Task {
            for try await event in events { output.event(event) }
        }
        defer { printer.cancel() }
        var failed = false
        output.showPrompt()
        for await line in LineReader.lines() {
            output.leavePrompt()
            let ok = await execute(line)
            if !ok { failed = true }
            if ok && isQuit(line) { await waitForDisconnect() }
            if client.runState != .running { break }
            output.showPrompt()
        }
        output.write("\n")
        return failed ? 1 : 0
    }

    /// Scripted (`-c`, or stdin not a terminal): events that arrived before a reply print
    /// before it, so the output is in wire order and the same on every run.
    private func runScript(_ events: Listener<EventFilter>) async -> Int32 {
        var failed = false
        let lines: AsyncStream<String>
        if options.commands.isEmpty {
            lines = LineReader.lines()
        } else {
            lines = AsyncStream { continuation in
                for command in options.commands { continuation.yield(command) }
                continuation.finish()
            }
        }
        for await line in lines {
            let ok = await execute(line, before: { for event in events.clear() { output.event(event) } })
            if !ok { failed = true }
            if ok && isQuit(line) { await waitForDisconnect() }
            if client.runState != .running { break }
        }
        for event in events.clear() { output.event(event) }
        return failed ? 1 : 0
    }

    /// Runs one line; `false` when it failed. `before` runs just before the result prints.
    private func execute(_ line: String, before: () -> Void = {}) async -> Bool {
        let trimmed = line.trimmingCharacters(in: " ")
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return true }
        if options.hmp && !trimmed.hasPrefix("{") {
            do {
                let text = try await client.execute("human-monitor-command", arguments: ["command-line": .string(trimmed)])
                before()
                output.hmpText(text)
                return true
            } catch {
                before()
                output.failure(error)
                return false
            }
        }
        let message: Message
        do {
            message = try CommandLineSyntax.parse(trimmed)
        } catch {
            output.syntaxError(error.message)
            return false
        }
        do {
            let reply = try await client.executeMessage(messageWithID(message))
            before()
            if let error = ErrorReply(reply) {
                output.failure(QMPError(.commandFailed, error.description, command: message["execute"]?.stringValue,
                                        errorClass: error.errorClass, errorDescription: error.description))
                return false
            }
            output.reply(reply["return"] ?? .null)
            return true
        } catch {
            before()
            output.failure(error)
            return false
        }
    }

    /// QEMU closes the connection right after answering `quit`; the next line must not race it.
    private func isQuit(_ line: String) -> Bool {
        (try? CommandLineSyntax.parse(line))?["execute"] == "quit"
    }

    private func waitForDisconnect() async {
        for await state in client.runStates() where state == .idle { return }
    }

    /// Raw JSON keeps its own id; parsed lines get a fresh one.
    private func messageWithID(_ message: Message) -> Message {
        guard message.id == nil else { return message }
        var message = message
        message["id"] = .string("qmp-shell-\(UInt64.random(in: 0...UInt64.max))")
        return message
    }
}
