import Foundation
import QMP
import QMPChildProcess
import QMPTransportUnix

extension ShellConnection {
    /// Starts `qemu-system-x86_64 -machine none` on a socket in a fresh temporary
    /// directory and connects to it. The directory is removed once connected (or at exit,
    /// when that fails), QEMU is killed at exit.
    static func launch() async throws -> ShellConnection {
        removeDirectoriesOfDeadShells()
        let directory = NSTemporaryDirectory() + "qmp-shell-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        ExitCleanup.add { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/qmp.sock"
        let logPath = directory + "/qemu.log"
        let log = Glibc.open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { if log >= 0 { Glibc.close(log) } }
        let process = try LaunchedProcess(
            path: "/usr/bin/env",
            arguments: [
                "env", "qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none",
                "-qmp", "unix:\(path),server=on,wait=off",
            ],
            stderr: log
        )
        ExitCleanup.add { process.killAndWait() }
        // QEMU creates the socket before it starts its main loop. That has taken over five
        // seconds on two loaded cores; a QEMU that exits instead is noticed at once.
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: path) && process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        do {
            let transport = try await connectWhenListening(path: path, process: process)
            // Connected, nothing in the directory is needed any more (QEMU keeps its socket
            // open; the log serves only a failed start): gone now, it survives no SIGKILL.
            try? FileManager.default.removeItem(atPath: directory)
            return ShellConnection(
                banner: "qmp-shell: launched qemu-system-x86_64 -machine none (pid \(process.pid)), connected through a socket since removed",
                transport: transport,
                // Our own QEMU, alive: better late than an error. Two runs in CI saw one
                // answer nothing for 30 s after its greeting.
                negotiationTimeout: .seconds(120),
                diagnosis: { "QEMU pid \(process.pid) \(process.isRunning ? processState(process.pid) : "has exited")" }
            )
        } catch {
            throw QMPError(.connectionFailed, "could not start qemu-system-x86_64: \(launchFailure(process, logPath: logPath, error: error))")
        }
    }

    /// A shell killed (SIGKILL) while its QEMU started left its directory behind: those of
    /// shells no longer running go now. Only this naming is touched: `qmp-shell-PID-N`.
    private static func removeDirectoriesOfDeadShells() {
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] {
            let parts = name.split(separator: "-")
            guard parts.count == 4, parts[0] == "qmp", parts[1] == "shell", let pid = Int32(parts[2]), pid > 0,
                  UInt32(parts[3]) != nil, kill(pid, 0) == -1, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(atPath: temporary + name)
        }
    }

    /// Why QEMU did not come up, in one line: its own last words when it printed any.
    private static func launchFailure(_ process: LaunchedProcess, logPath: String, error: any Error) -> String {
        guard let status = process.exitStatus else {
            return "its socket did not accept connections (\(error)); process \(process.pid): \(processState(process.pid))"
        }
        if status == 127 { return "not found in PATH (is QEMU installed?)" }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let lastLine = log.split(whereSeparator: \.isNewline).last.map(String.init)
        return lastLine ?? "it exited with status \(status)"
    }

    /// What a child that is alive but silent is doing, thread by thread: program name,
    /// state and the kernel function it sleeps in. That tells a QEMU still initialising
    /// (its main thread busy or blocked) from one waiting for input, and a child stuck
    /// before exec (it still has the shell's name).
    static func processState(_ pid: Int32) -> String {
        func read(_ path: String) -> String {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "?"
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        let threads = tasks.compactMap(Int32.init).sorted().map { tid in
            let directory = "/proc/\(pid)/task/\(tid)"
            // The fields after the parenthesised program name: state first.
            let stat = read(directory + "/stat")
            let state = stat.split(separator: ")", maxSplits: 1).last?.split(separator: " ").first.map(String.init) ?? "?"
            return "\(read(directory + "/comm")) \(state) in \(read(directory + "/wchan"))"
        }
        return threads.isEmpty ? "gone" : "threads: " + threads.joined(separator: ", ")
    }

    /// QEMU binds its socket file a moment before it listens, so a connect in between
    /// is refused; retry that case for a short while as long as QEMU is alive.
    private static func connectWhenListening(path: String, process: LaunchedProcess) async throws -> UnixSocketTransport {
        for _ in 0..<200 {
            let refused: Bool
            do {
                return try await UnixSocketTransport.connect(path: path)
            } catch {
                refused = error.errno == ECONNREFUSED
                if !refused || !process.isRunning { throw error }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await UnixSocketTransport.connect(path: path)
    }
}
