import Foundation
import QMPChildProcess
import QMPTestSupport
import QMPCore
import Synchronization

/// A qmp-shell on a pseudo-terminal of the test's own (openpty), so the test can type keys,
/// resize the terminal, and read the terminal's settings after the shell has gone.
final class TerminalShell: ShellScreen, Sendable {
    private let master: Int32
    /// Kept open by the test: the terminal's settings stay readable after the shell exits.
    let terminal: Int32
    let process: LaunchedProcess
    private let output = TerminalOutput()
    private let reader = DispatchGroup()

    init(_ arguments: [String], home: String, columns: UInt16 = 80) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw QEMUUnavailable(message: "openpty failed: \(errno)") }
        self.master = master
        terminal = slave
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home
        process = try LaunchedProcess(
            path: try BuiltTool.path("qmp-shell"), arguments: ["qmp-shell"] + arguments,
            environment: environment, stdin: slave, stdout: slave, stderr: slave
        )
        reader.enter()
        Thread.detachNewThread { [output, reader, master] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while !output.stopped.load(ordering: .acquiring) {
                var request = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&request, 1, 50) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                output.bytes.withLock { $0.append(contentsOf: buffer[..<count]) }
            }
            reader.leave()
        }
    }

    deinit {
        output.stopped.store(true, ordering: .releasing)
        reader.wait()
        close(master)
        close(terminal)
    }

    /// Everything the shell wrote to the terminal so far.
    var screen: String { String(decoding: output.bytes.withLock { $0 }, as: UTF8.self) }

    func type(_ keys: String) {
        type(Array(keys.utf8))
    }

    func type(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(master, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    func resize(columns: UInt16) {
        var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        // The shell's terminal is not its controlling one, so the kernel signals nobody.
        kill(process.pid, SIGWINCH)
    }

    /// The terminal's settings now.
    var settings: termios {
        var current = termios()
        tcgetattr(terminal, &current)
        return current
    }

    /// Waits for the shell to exit (killed after 30 s) and for ``screen`` to hold all it
    /// wrote; its status, 128 + signal when killed.
    func finish() async -> Int32 {
        let process = process
        let killer = Task {
            try await Task.sleep(for: .seconds(30))
            kill(process.pid, SIGKILL)
        }
        await BuiltTool.offPool { process.waitForExit() }
        killer.cancel()
        // The terminal delivers in order, so a mark written now comes after the shell's last
        // byte: once the reader has it, it has everything, and the mark is taken out again.
        let mark = Array("[end of the shell's output]".utf8)
        _ = mark.withUnsafeBytes { write(terminal, $0.baseAddress, $0.count) }
        let output = output
        try? await waitUntil("the reader takes the shell's last output; the screen shows: \(screen.debugDescription)") {
            output.bytes.withLock { bytes in
                guard let found = bytes.firstRange(of: mark) else { return false }
                bytes.removeSubrange(found)
                return true
            }
        }
        return process.exitStatus ?? -1
    }
}

/// What the terminal showed, filled by a reader thread until `stopped`.
private final class TerminalOutput: Sendable {
    let bytes = Lock([UInt8]())
    let stopped = Atomic<Bool>(false)
}

extension termios {
    /// The flags line editing changes, and the control characters, for comparing before and after.
    var editingState: [UInt] {
        [UInt(c_iflag), UInt(c_oflag), UInt(c_lflag), UInt(c_cflag)]
            + withUnsafeBytes(of: c_cc) { $0.map { UInt($0) } }
    }
}
