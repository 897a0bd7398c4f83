import Foundation
import QMPChildProcess
public import Testing

/// A throwaway `qemu-system-x86_64 -machine none` for integration tests.
///
/// ```swift
/// try await QEMUInstance.with { qemu in
///     let transport = try await UnixSocketTransport.connect(path: qemu.socketPath)
///     …
/// }
/// ```
/// The process is killed and its directory removed when the body returns or throws,
/// and it dies with the test process however that ends (a crash included), so no
/// QEMU outlives a test run.
public final class QEMUInstance: Sendable {
    public static let executable = "qemu-system-x86_64"

    /// The QMP socket path (server mode) or the path QEMU connects to (client mode).
    public let socketPath: String
    /// A private directory for this instance's files.
    public let directory: String
    private let process: LaunchedProcess

    private init(socketPath: String, directory: String, process: LaunchedProcess) {
        self.socketPath = socketPath
        self.directory = directory
        self.process = process
    }

    /// The full path of the QEMU binary, or `nil` when it is not installed.
    public static var executablePath: String? { findExecutable(executable) }

    /// `name` on `PATH`, then in `extraDirectories` (qemu-ga is in /usr/sbin, which a
    /// user's `PATH` may lack); `nil` when it is in none.
    public static func findExecutable(_ name: String, extraDirectories: [String] = []) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
            + extraDirectories
        return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh private directory under the system's temporary directory.
    public static func makeTemporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "swift-qmp-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// How QEMU's QMP monitor is set up.
    public enum Mode: Sendable {
        /// QEMU listens on a Unix socket (`server=on,wait=off`).
        case unixServer
        /// QEMU connects to a Unix socket at this path that the test listens on.
        case unixClient(path: String)
        /// QEMU listens on TCP.
        case tcpServer(host: String, port: UInt16)
    }

    /// Starts QEMU, runs `body`, then kills QEMU and removes its files, also when `body` throws.
    public static func with<T>(
        mode: Mode = .unixServer,
        extraArguments: [String] = [],
        _ body: (QEMUInstance) async throws -> T
    ) async throws -> T {
        let qemu = try await launch(mode: mode, extraArguments: extraArguments)
        defer { qemu.terminate() }
        return try await body(qemu)
    }

    /// Starts QEMU and, for a server, waits until it listens.
    ///
    /// Under the parallel suite a QEMU has now and then exited within ~1.5 s of
    /// starting, before listening, with nothing on stderr (cause not found; see the
    /// session notes). Such a start is retried, twice at most, and each exit's status
    /// is kept for the error; a QEMU that runs but does not listen is not retried.
    public static func launch(mode: Mode = .unixServer, extraArguments: [String] = []) async throws -> QEMUInstance {
        var exits: [String] = []
        for _ in 0..<3 {
            do {
                return try await launchOnce(mode: mode, extraArguments: extraArguments)
            } catch let exit as ExitedBeforeListening {
                exits.append(exit.description)
                FileHandle.standardError.write(Data("QEMUInstance: QEMU exited before listening (\(exit)); starting another\n".utf8))
            }
        }
        throw QEMUUnavailable(message: "QEMU exited before listening, three times: \(exits.joined(separator: "; "))")
    }

    private struct ExitedBeforeListening: Error, CustomStringConvertible {
        let description: String
    }

    private static func launchOnce(mode: Mode, extraArguments: [String]) async throws -> QEMUInstance {
        guard let path = executablePath else {
            throw QEMUUnavailable(message: "\(executable) is not installed; run Scripts/test, which installs it")
        }
        let directory = try makeTemporaryDirectory()
        let socketPath = directory + "/qmp.sock"
        let monitor: [String]
        switch mode {
        case .unixServer: monitor = ["-qmp", "unix:\(socketPath),server=on,wait=off"]
        case .unixClient(let path): monitor = ["-qmp", "unix:\(path)"]
        case .tcpServer(let host, let port):
            // QEMU 7.2 cannot parse `-qmp tcp:[::1]:PORT`; the chardev form takes the host as is.
            monitor = [
                "-chardev", "socket,id=qmp0,host=\(host),port=\(port),server=on,wait=off",
                "-mon", "chardev=qmp0,mode=control",
            ]
        }
        let log = directory + "/stderr.log"
        let logFD = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if logFD >= 0 { close(logFD) } }
        let process = try LaunchedProcess(
            path: path,
            arguments: [executable, "-machine", "none", "-nodefaults", "-display", "none"] + monitor + extraArguments,
            stderr: logFD
        )
        let instance = QEMUInstance(socketPath: socketPath, directory: directory, process: process)
        if case .unixServer = mode {
            // The file appears at bind(), a moment before listen(): wait until the kernel lists it as listening.
            // A deadline, not a count of sleeps: with the suite starting several QEMUs at once on two
            // loaded cores, startup has been seen to take over five seconds.
            try? await waitUntil("QEMU listens", within: startupTimeout) {
                isListening(unixPath: socketPath) || !process.isRunning
            }
            guard isListening(unixPath: socketPath) else {
                let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let status = process.exitStatus {
                    instance.terminate()
                    let how = status > 128 ? "signal \(status - 128)" : "status \(status)"
                    throw ExitedBeforeListening(description: "\(how), stderr: \(stderr)")
                }
                instance.terminate()
                throw QEMUUnavailable(message: "QEMU did not listen on its QMP socket within \(startupTimeout): \(stderr)")
            }
        } else if case .tcpServer(let host, let port) = mode {
            try? await waitUntil("QEMU listens", within: startupTimeout) {
                isListening(host: host, port: port) || !process.isRunning
            }
            guard isListening(host: host, port: port) else {
                let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                instance.terminate()
                throw QEMUUnavailable(message: "QEMU did not listen on \(host):\(port) within \(startupTimeout): \(stderr)")
            }
        }
        return instance
    }

    /// How long QEMU may take to start listening before a test gives up on it.
    static let startupTimeout: Duration = .seconds(30)

    /// Whether a Unix socket at `unixPath` is listening (flag __SO_ACCEPTCON in /proc/net/unix).
    public static func isListening(unixPath: String) -> Bool {
        // Decoded leniently: another process's abstract socket name need not be UTF-8, and a
        // strict decode then failed and fell back to the file's existence, which is true from
        // bind(), before listen(): a start could look listening, then not.
        guard let data = procFile("/proc/net/unix") else {
            return FileManager.default.fileExists(atPath: unixPath)
        }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count >= 8 && fields[7] == unixPath && fields[3] == "00010000"
        }
    }

    /// The whole of a /proc file. `FileManager.contents(atPath:)` trusts the size stat reports
    /// (0 there) and returned only the first 4 KiB: with more than about 50 sockets on the
    /// machine, a listening QEMU was not found in it and every start timed out.
    static func procFile(_ path: String) -> Data? {
        FileHandle(forReadingAtPath: path).flatMap { handle in
            defer { try? handle.close() }
            return try? handle.readToEnd()
        }
    }

    /// Whether `host:port` is in the kernel's table of listening TCP sockets.
    public static func isListening(host: String, port: UInt16) -> Bool {
        let table = host.contains(":") ? "/proc/net/tcp6" : "/proc/net/tcp"
        guard let data = procFile(table) else { return true }
        let text = String(decoding: data, as: UTF8.self)
        let portHex = String(format: ":%04X", port)
        // State 0A is LISTEN.
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[1].hasSuffix(portHex) && fields[3] == "0A"
        }
    }

    /// The process id, e.g. to SIGKILL it mid-session.
    public var processIdentifier: Int32 { process.pid }

    /// Kills QEMU (SIGKILL) and removes its directory. Idempotent.
    public func terminate() {
        process.killAndWait()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public struct QEMUUnavailable: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Runs a test only where QEMU is installed, except under `CI=true`, where a
/// missing QEMU must fail the test (the launch throws) rather than skip it.

extension Trait where Self == ConditionTrait {
    /// Skips when QEMU is missing; never skips under `CI=true`.
    public static var requiresQEMU: Self {
        .enabled("needs \(QEMUInstance.executable) (set CI=true to fail instead of skipping)") {
            QEMUInstance.executablePath != nil || ProcessInfo.processInfo.environment["CI"] == "true"
        }
    }
}
