public import Foundation

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

    /// Runs `name` with `arguments`, feeding `input` on stdin, and waits for it (killed after `timeout`).
    public static func run(
        _ name: String, _ arguments: [String], input: String = "", environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(name))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let killer = Task {
            try await Task.sleep(for: timeout)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        async let outData = readToEnd(stdout.fileHandleForReading)
        async let errData = readToEnd(stderr.fileHandleForReading)
        let (out, err) = await (outData, errData)
        await waitForExit(process)
        killer.cancel()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }

    // Blocking waits run on threads of their own. The cooperative pool has two threads on
    // a two-core machine: two tests blocking there at once stall every other test's tasks
    // (QEMU start-ups and `qmp_capabilities` timed out at 30 s in CI that way).

    /// Reads `handle` to its end without blocking a cooperative thread.
    public static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }

    /// Waits for `process` to exit without blocking a cooperative thread.
    public static func waitForExit(_ process: Process) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
