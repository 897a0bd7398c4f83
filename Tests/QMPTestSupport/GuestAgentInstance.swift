import Foundation
import QMP
import QMPChildProcess
import QMPTransportUnix
public import Testing

/// A throwaway `qemu-ga` on the host, listening on a Unix socket, for integration tests.
///
/// The agent runs with the test's rights, which may be root: every command that changes the
/// host (``blockedCommands``) is blocked with `-b`, its state directory is a fresh temporary
/// one, and the tests give `guest-exec` only `/bin/echo` and `/bin/cat` and `guest-file-*`
/// only paths under ``directory``. Every test that starts a real agent goes through here.
///
/// ```swift
/// try await GuestAgentInstance.with { agent in
///     let transport = try await UnixSocketTransport.connect(path: agent.socketPath)
///     …
/// }
/// ```
public final class GuestAgentInstance: Sendable {
    public static let executable = "qemu-ga"

    /// The commands that would shut down, suspend or otherwise change the host.
    public static let blockedCommands = [
        "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
        "guest-set-time", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw",
        "guest-fstrim", "guest-set-vcpus", "guest-set-memory-blocks", "guest-set-user-password",
        "guest-ssh-add-authorized-keys", "guest-ssh-remove-authorized-keys",
    ]

    /// The only programs tests may run with `guest-exec`.
    public static let allowedPrograms = ["/bin/echo", "/bin/cat"]

    /// The agent's socket.
    public let socketPath: String
    /// A private directory: the agent's state, and the only place tests put files.
    public let directory: String
    private let process: LaunchedProcess

    private init(socketPath: String, directory: String, process: LaunchedProcess) {
        self.socketPath = socketPath
        self.directory = directory
        self.process = process
    }

    /// The agent's full path, or `nil` when it is not installed (Debian puts it in /usr/sbin).
    public static var executablePath: String? {
        QEMUInstance.findExecutable(executable, extraDirectories: ["/usr/sbin", "/sbin"])
    }

    /// Starts an agent, runs `body`, then kills the agent and removes its files, also when `body` throws.
    public static func with<T>(_ body: (GuestAgentInstance) async throws -> T) async throws -> T {
        let agent = try await launch()
        defer { agent.terminate() }
        return try await body(agent)
    }

    /// Starts an agent and waits until it listens.
    public static func launch() async throws -> GuestAgentInstance {
        guard let path = executablePath else {
            throw QEMUUnavailable(message: "\(executable) is not installed; run Scripts/test, which installs qemu-guest-agent")
        }
        let directory = try QEMUInstance.makeTemporaryDirectory()
        let socketPath = directory + "/qga.sock"
        let stateDirectory = directory + "/state"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let log = directory + "/qemu-ga.log"
        let logFD = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if logFD >= 0 { close(logFD) } }
        let process = try LaunchedProcess(
            path: path,
            arguments: [
                executable, "-m", "unix-listen", "-p", socketPath, "-t", stateDirectory,
                "-f", directory + "/qemu-ga.pid", "-b", blockedCommands.joined(separator: ","),
            ],
            stderr: logFD
        )
        let agent = GuestAgentInstance(socketPath: socketPath, directory: directory, process: process)
        try? await waitUntil("qemu-ga listens", within: QEMUInstance.startupTimeout) {
            QEMUInstance.isListening(unixPath: socketPath) || !process.isRunning
        }
        guard QEMUInstance.isListening(unixPath: socketPath) else {
            let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let exit = process.exitStatus.map { " (it exited with \($0 > 128 ? "signal \($0 - 128)" : "status \($0)"))" } ?? ""
            agent.terminate()
            throw QEMUUnavailable(message: "qemu-ga did not listen on \(socketPath) within \(QEMUInstance.startupTimeout)\(exit): \(stderr)")
        }
        do {
            try await agent.verifyBlocked()
        } catch {
            agent.terminate()
            throw error
        }
        return agent
    }

    /// Refuses an agent on which any host-changing command is enabled: the agent's own
    /// `guest-info` must list each of ``blockedCommands`` it knows as disabled, and every
    /// command that does not answer on success (those shut down or suspend) too.
    private func verifyBlocked() async throws {
        let client = QMPClient()
        let info = try await client.connectToGuestAgent(try await UnixSocketTransport.connect(path: socketPath))
        await client.disconnect()
        let enabled = info.commands.filter { command in
            command.isEnabled && (Self.blockedCommands.contains(command.name) || !command.sendsSuccessResponse)
        }
        guard enabled.isEmpty, info.noReplyCommands.isEmpty else {
            throw QEMUUnavailable(message: "qemu-ga left host-changing commands enabled: \(enabled.map(\.name)); refusing to test")
        }
    }

    /// A path for a test file inside ``directory``.
    public func filePath(_ name: String) -> String {
        precondition(!name.contains("/"), "test files stay directly in the agent's directory")
        return directory + "/" + name
    }

    /// Kills the agent (SIGKILL) and removes its directory. Idempotent.
    public func terminate() {
        process.killAndWait()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips when `qemu-ga` is missing; never skips under `CI=true`, where the launch then fails.
    public static var requiresGuestAgent: Self {
        .enabled("needs \(GuestAgentInstance.executable) (set CI=true to fail instead of skipping)") {
            GuestAgentInstance.executablePath != nil || ProcessInfo.processInfo.environment["CI"] == "true"
        }
    }
}
