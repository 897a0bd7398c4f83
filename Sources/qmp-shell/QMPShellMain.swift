import Dispatch
import QMP
import QMPMock
#if canImport(Glibc)
import Glibc
#endif

@main
enum QMPShellMain {
    static func main() async {
        let options: ShellOptions
        do {
            options = try ShellOptions(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            guard let message = error.message else {
                print(ShellOptions.usage)
                return
            }
            ShellConnection.notice("\(message)\nTry 'qmp-shell --help'.")
            exit(2)
        }
        let interactive = options.commands.isEmpty && LineReader.stdinIsTerminal
        let output = ShellOutput(pretty: options.pretty, json: options.json, interactive: interactive)
        // Ctrl-C ends the shell; on a terminal, the shell's own prompt should start on a fresh line.
        let signals = ExitCleanup.exitOnSignals { output.leaveLine() }
        let status = await run(options, output: output, interactive: interactive)
        withExtendedLifetime(signals) { ExitCleanup.exit(status) }
    }

    /// Connects and runs the session; returns the exit status.
    private static func run(_ options: ShellOptions, output: ShellOutput, interactive: Bool) async -> Int32 {
        let connection: ShellConnection
        // Before connecting: a session must not run for minutes only to find its log unwritable.
        var createdLog = false
        do {
            if let path = options.logPath { createdLog = try Transcript.checkWritable(path) }
            connection = try await ShellConnection.open(options)
        } catch {
            // The log made for a connection that never came goes again.
            if createdLog, let path = options.logPath { unlink(path) }
            output.notice(explain(error, options))
            return 2
        }
        var configuration = QMPClient.Configuration()
        if let timeout = connection.negotiationTimeout { configuration.connectTimeout = timeout }
        if options.trace {
            configuration.trace = { record in
                let sent = record.direction == .sent
                output.trace("\(sent ? "->" : "<-") \(sent ? record.text : traced(record.text))\n")
            }
        }
        let client = QMPClient(configuration: configuration)
        do {
            let peer = try await (options.logPath.map { connection.recorded(to: $0, output: output) } ?? connection).connect(client)
            if options.json {
                // Not a word on stdout, but one on stderr: a script whose TARGET came out
                // empty must not take the simulator's answers for its VM's.
                if options.target == .simulator { output.write("\(connection.banner)\n", to: 2) }
            } else {
                output.write("\(connection.banner)\n\(peer)\n")
                let example = options.hmp ? "HMP commands, e.g. info status" : options.agent ? "agent commands, e.g. guest-ping" : "QMP commands, e.g. query-status"
                if interactive { output.write("Type \(example); `qmp-shell --help` shows the syntax; Ctrl-D quits.\n") }
            }
        } catch {
            // What was recorded of the attempt is written at exit: the log is not empty.
            output.notice(explain(error, options) + (connection.diagnosis.map { "; \($0())" } ?? ""))
            return 2
        }
        var session = ShellSession(client: client, options: options, output: output)
        let status = await session.run(interactive: interactive)
        await client.disconnect()
        return status
    }

    /// A failed connect as the shell tells it: the library's reason, and what to do about it.
    /// A silent peer is most likely a guest agent (it sends no greeting) or a monitor that
    /// serves another client (QEMU serves one at a time, and queues a few more).
    private static func explain(_ error: any Error, _ options: ShellOptions) -> String {
        guard let error = error as? QMPError else { return describe(error) }
        if error.code == .connectionFailed, options.agent, error.message.contains("greeted with QMP") {
            return "TARGET is a QEMU monitor (it greeted with QMP), not a guest agent: drop -N"
        }
        if error.errno == EAGAIN {
            return describe(error) + "; the monitor's queue of waiting clients is full: QEMU serves one client at a time"
        }
        guard error.code == .timedOut, !options.agent, options.target != .simulator, options.target != .launch else { return describe(error) }
        return describe(error) + "; no greeting came: if TARGET is a guest agent, add -N; if another client is connected to this monitor, QEMU serves it alone"
    }

    /// The longest received message `-v` shows whole: completion's `query-qmp-schema` reply
    /// alone is some 200 KB, which would bury the first prompt; the shell prints replies in
    /// full anyway. What the shell sends is shown whole: the user wrote it.
    static let traceLimit = 4096

    static func traced(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.count > traceLimit else { return text }
        return String(decoding: utf8.prefix(traceLimit), as: UTF8.self) + "… (\(utf8.count) bytes in all)"
    }

    static func describe(_ error: any Error) -> String {
        (error as? QMPError)?.message ?? "\(error)"
    }
}
