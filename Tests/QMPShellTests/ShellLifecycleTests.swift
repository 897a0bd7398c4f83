import Foundation
import QMPChildProcess
import QMPTestSupport
import Testing

/// How sessions end: a peer that goes away, and signals.
@Suite("qmp-shell session end", .serialized, .timeLimit(.minutes(2)))
struct ShellLifecycleTests {
    @Test func aLostConnectionIsReportedAtOnceWithStatus2() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sim.sock"
        let simulator = try BuiltTool.launch("qmp-simulator", ["--unix", path])
        defer { simulator.killAndWait() }
        // Listeners move their socket into place only once they listen.
        try await waitUntilListening(at: path)

        let shell = try RunningShell([path])
        shell.send("query-status")
        try await shell.waitForOutput(#""status":"running""#)
        // The shell now waits for its next line; the peer dies under it.
        kill(simulator.pid, SIGKILL)
        let status = await shell.finish()
        #expect(status == 2)
        #expect(shell.errors.hasPrefix("qmp-shell: connection to QEMU lost: "), "\(shell.errors)")
        #expect(shell.errors.split(separator: "\n").count == 1)
    }

    @Test func sigtermEndsTheShellWithStatus143() async throws {
        let shell = try RunningShell([])
        try await shell.waitForOutput("built-in simulated QEMU")
        kill(shell.processIdentifier, SIGTERM)
        #expect(await shell.finish() == 143)
        #expect(shell.errors.isEmpty, "\(shell.errors)")
    }

    @Test func quitIsAnOrderlyEnd() async throws {
        let shell = try RunningShell([])
        shell.send("quit")
        // stdin stays open: the shell must end because QEMU closed the connection.
        #expect(await shell.finish() == 0)
        #expect(shell.output.contains("SHUTDOWN"))
        #expect(shell.errors.isEmpty, "\(shell.errors)")
    }
}

@Suite("qmp-shell --launch cleanup", .serialized, .requiresQEMU, .timeLimit(.minutes(4)))
struct ShellLaunchCleanupTests {
    /// The launched QEMU's pid: `(pid N)` in the banner.
    private func launchedPID(_ banner: String) -> Int32? {
        guard let pidStart = banner.range(of: "(pid "), let pidEnd = banner[pidStart.upperBound...].firstIndex(of: ")") else { return nil }
        return Int32(banner[pidStart.upperBound..<pidEnd])
    }

    /// What the shell with `pid` left in the temporary directory for its QEMU (`qmp-shell-PID-N`).
    private func launchDirectories(of pid: Int32) -> [String] {
        let temporary = NSTemporaryDirectory()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        return entries.filter { $0.hasPrefix("qmp-shell-\(pid)-") }.map { temporary + $0 }
    }

    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalKillsTheLaunchedQEMUAndRemovesItsSocket(signal: Int32) async throws {
        let shell = try RunningShell(["--launch"])
        try await shell.waitForOutput("QEMU 7")
        let qemu = try #require(launchedPID(shell.output), "\(shell.output)")
        #expect(kill(qemu, 0) == 0, "QEMU runs while the shell does")
        #expect(launchDirectories(of: shell.processIdentifier).isEmpty, "its socket's directory goes once connected")
        kill(shell.processIdentifier, signal)
        #expect(await shell.finish() == 128 + signal, "the status of a process killed by the signal")
        // The shell reaped QEMU before exiting, so its pid is gone (not a zombie).
        #expect(kill(qemu, 0) == -1 && errno == ESRCH, "QEMU must not outlive the shell")
        #expect(!shell.errors.contains("connection to QEMU lost"), "an interrupt is no lost connection")
    }

    @Test("SIGKILL, which leaves the shell no cleanup, still takes the launched QEMU down")
    func sigkillTakesQEMUDown() async throws {
        let shell = try RunningShell(["--launch"])
        try await shell.waitForOutput("QEMU 7")
        let qemu = try #require(launchedPID(shell.output), "\(shell.output)")
        #expect(isAlive(qemu), "QEMU runs while the shell does")
        kill(shell.processIdentifier, SIGKILL)
        #expect(await shell.finish() == 128 + SIGKILL)
        // Nobody here reaps the orphan, so it may linger as a zombie: dead either way.
        try await waitUntil("QEMU, which must not outlive a killed shell, is dead") { !isAlive(qemu) }
        #expect(launchDirectories(of: shell.processIdentifier).isEmpty, "nothing left in the temporary directory")
    }

    /// Whether `pid` exists and is not a zombie.
    private func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    @Test("a directory left by a shell killed while its QEMU started goes at the next launch")
    func leftoversOfDeadShellsGo() async throws {
        // A pid no process has: the highest the kernel hands out, checked to be free.
        let pidMax = (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 32_768
        let pid = pidMax - 1
        try #require(kill(pid, 0) == -1 && errno == ESRCH)
        let leftover = NSTemporaryDirectory() + "qmp-shell-\(pid)-12345"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: leftover + "/qemu.log", contents: nil))
        defer { try? FileManager.default.removeItem(atPath: leftover) }
        let shell = try RunningShell(["--launch"])
        try await shell.waitForOutput("QEMU 7")
        #expect(!FileManager.default.fileExists(atPath: leftover))
        shell.closeInput()
        #expect(await shell.finish() == 0)
    }

    @Test func endOfInputAlsoCleansUp() async throws {
        let shell = try RunningShell(["--launch"])
        try await shell.waitForOutput("QEMU 7")
        let qemu = try #require(launchedPID(shell.output))
        shell.closeInput()
        #expect(await shell.finish() == 0)
        #expect(kill(qemu, 0) == -1 && errno == ESRCH)
        #expect(launchDirectories(of: shell.processIdentifier).isEmpty)
    }
}
