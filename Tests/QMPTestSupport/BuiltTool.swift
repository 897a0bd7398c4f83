public import Foundation
package import QMPChildProcess
import QMPSocketSupport

/// Runs the package's executables (qmp-shell, qmp-simulator) as processes.
public enum BuiltTool {
    /// The build products directory: `swift test` puts the test bundle next to the executables.
    public static var productsDirectory: String {
        let bundle = CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: bundle)
        // On Linux the bundle is a file or a directory named *.xctest inside the products directory.
        while url.pathComponents.count > 1 && url.pathExtension == "xctest" {
            url.deleteLastPathComponent()
        }
        return url.path
    }

    /// The path of executable `name`, built first if `swift test` did not build it.
    public static func path(_ name: String) throws -> String {
        let candidate = productsDirectory + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "--package-path", package, "--product", name]
        try build.run()
        build.waitUntilExit()
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw QEMUUnavailable(message: "could not build \(name) at \(candidate)")
        }
        return candidate
    }

    /// What a finished process printed, and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// A started tool, and this process's ends of its standard streams.
    ///
    /// Spawned through `LaunchedProcess`, not Foundation's `Process`: the tool dies with
    /// the test process, and the caller owns and closes the three descriptors. They are
    /// close-on-exec socket pairs, created so atomically (no other spawn can inherit them),
    /// and a write to a tool that has already exited fails with EPIPE (`MSG_NOSIGNAL`)
    /// instead of raising SIGPIPE in the test process.
    package struct Started: Sendable {
        package let process: LaunchedProcess
        package let stdin: Int32
        package let stdout: Int32
        package let stderr: Int32
    }

    /// Starts `name` with `arguments` and this process's environment plus `environment`.
    package static func start(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Started {
        // Each pair: our end first, the tool's second.
        let (stdin, childStdin) = try makeSocketPair()
        let (stdout, childStdout) = try makeSocketPair()
        let (stderr, childStderr) = try makeSocketPair()
        defer { for fd in [childStdin, childStdout, childStderr] { close(fd) } }
        do {
            let process = try LaunchedProcess(
                path: try path(name), arguments: [name] + arguments,
                environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                stdin: childStdin, stdout: childStdout, stderr: childStderr
            )
            return Started(process: process, stdin: stdin, stdout: stdout, stderr: stderr)
        } catch {
            for fd in [stdin, stdout, stderr] { close(fd) }
            throw error
        }
    }

    /// Starts `name` with `arguments`, its standard streams on /dev/null: for servers
    /// (qmp-simulator) that tests talk to over sockets. The caller kills it
    /// (`killAndWait()`), which also reaps it, so no stale pid is ever signalled.
    package static func launch(_ name: String, _ arguments: [String]) throws -> LaunchedProcess {
        try LaunchedProcess(path: try path(name), arguments: [name] + arguments)
    }

    /// Writes all of `bytes` to a started tool's stdin; stops quietly if the tool has gone. Blocks.
    package static func write(_ bytes: [UInt8], to fd: Int32) {
        _ = try? DescriptorPassing.blockingSend(fd, bytes, descriptors: [], peer: "a tool's stdin")
    }

    /// Runs `name` with `arguments`, feeding `input` on stdin, and waits for it (killed after `timeout`).
    public static func run(
        _ name: String, _ arguments: [String], input: String = "", environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> Output {
        let tool = try start(name, arguments, environment: environment)
        let process = tool.process
        let killer = Task {
            try await Task.sleep(for: timeout)
            if process.isRunning { kill(process.pid, SIGKILL) }
        }
        async let out = offPool { readAll(tool.stdout) }
        async let err = offPool { readAll(tool.stderr) }
        await offPool {
            write(Array(input.utf8), to: tool.stdin)
            close(tool.stdin)
        }
        let (outData, errData) = await (out, err)
        await offPool { process.waitForExit() }
        killer.cancel()
        return Output(
            status: process.exitStatus ?? -1,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// Everything until end of file, then closes `fd`. Blocks.
    private static func readAll(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        readUntilEnd(fd) { data.append(contentsOf: $0) }
        return data
    }

    /// Hands `fd`'s bytes to `chunk` as they arrive, until end of file; then closes `fd`. Blocks.
    package static func readUntilEnd(_ fd: Int32, _ chunk: (ArraySlice<UInt8>) -> Void) {
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            chunk(buffer[..<count])
        }
    }

    // Blocking waits run on threads of their own. The cooperative pool has two threads on
    // a two-core machine: two tests blocking there at once stall every other test's tasks
    // (QEMU start-ups and `qmp_capabilities` timed out at 30 s in CI that way).

    /// Runs blocking `work` on a thread of its own.
    package static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }

    /// Reads `handle` to its end without blocking a cooperative thread.
    public static func readToEnd(_ handle: FileHandle) async -> Data {
        await offPool { handle.readDataToEndOfFile() }
    }

    /// Waits for `process` to exit without blocking a cooperative thread.
    public static func waitForExit(_ process: Process) async {
        await offPool { process.waitUntilExit() }
    }
}
