import CQMPSpawn
import QMPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process that dies with this process, however this one dies: for the
/// tools and the tests, which start QEMUs that must never be left behind.
///
/// Cleanup code can kill a child on a normal exit or a signal it handles; nothing
/// runs on SIGKILL or a crash, so the child is also started with a parent-death
/// signal (see `cqmp_spawn_tied_to_process`). Unlike Foundation's `Process`, it
/// takes file descriptors the caller owns and keeps none of them.
package final class LaunchedProcess: Sendable {
    package let pid: Int32
    /// The wait status, once reaped.
    private let status = Lock<Int32?>(nil)

    /// Starts `path` with `arguments` (the program name comes first) and `environment`
    /// (`nil`: this process's). Each standard stream is the descriptor given, or
    /// /dev/null for -1; the caller keeps its descriptors and closes them.
    package init(
        path: String, arguments: [String], environment: [String: String]? = nil,
        stdin: Int32 = -1, stdout: Int32 = -1, stderr: Int32 = -1
    ) throws(SpawnError) {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        let streams = [stdin, stdout, stderr].map { $0 >= 0 ? $0 : null }
        let pid = argv.withUnsafeBufferPointer { argv in
            guard let envp else {
                return cqmp_spawn_tied_to_process(path, argv.baseAddress, nil, streams[0], streams[1], streams[2])
            }
            return envp.withUnsafeBufferPointer { envp in
                cqmp_spawn_tied_to_process(path, argv.baseAddress, envp.baseAddress, streams[0], streams[1], streams[2])
            }
        }
        guard pid > 0 else { throw SpawnError(path: path, errno: -pid) }
        self.pid = pid
    }

    package struct SpawnError: Error, CustomStringConvertible {
        package let path: String
        package let errno: Int32
        package var description: String { "could not start \(path): \(String(cString: strerror(errno)))" }
    }

    /// Whether the process has not exited; reaps it if it has.
    package var isRunning: Bool { reap(blocking: false) == nil }

    /// The exit status, or 128 + the signal that killed it; `nil` while it runs.
    package var exitStatus: Int32? {
        guard let status = reap(blocking: false) else { return nil }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Sends SIGKILL and waits until the process is gone. Blocks: not for the cooperative pool.
    package func killAndWait() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        waitForExit()
    }

    /// Waits until the process has exited. Blocks: not for the cooperative pool.
    package func waitForExit() {
        _ = reap(blocking: true)
    }

    private func reap(blocking: Bool) -> Int32? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &raw, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
            guard result == pid else { return nil }
            status = raw
            return raw
        }
    }
}
