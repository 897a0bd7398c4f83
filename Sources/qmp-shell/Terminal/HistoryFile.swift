import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The history on disk, in the format of GNU readline's `write_history_file` as Python's
/// qmp-shell writes it (one entry a line, at most 1,024), so users keep theirs.
///
/// Each new entry is saved at once: under an exclusive `flock` on a lock file beside it,
/// the file is read again (other shells may have added lines), the entry appended, and
/// the result written to a temporary file that is renamed over the old one. Two shells
/// at once therefore never interleave or truncate each other's lines.
struct HistoryFile: Sendable {
    let path: String

    /// `~/.qmp-shell_history`, Python's file, in QMP mode; a file of its own in HMP mode,
    /// whose lines would make no sense as QMP (Python's shell shares one file for both).
    static func standard(hmp: Bool) -> HistoryFile? {
        guard let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty else { return nil }
        return HistoryFile(path: home + (hmp ? "/.qmp-shell_hmp_history" : "/.qmp-shell_history"))
    }

    struct Problem: Error {
        let message: String
    }

    /// The entries, oldest first; an empty history when there is no file yet. A line that
    /// is not UTF-8 (readline keeps whatever bytes were typed) is left out, not the file.
    func load() throws(Problem) -> [String] {
        Array(try lines().compactMap { String(validating: $0, as: UTF8.self) }.suffix(History.limit))
    }

    /// The file's entries as bytes, oldest first, without readline's timestamp lines.
    /// - Throws: when it cannot be read, or holds a NUL byte: then it is no history file,
    ///   and rewriting it would destroy someone's data.
    private func lines() throws(Problem) -> [ArraySlice<UInt8>] {
        let bytes: [UInt8]
        do {
            bytes = try read()
        } catch {
            if error.code == ENOENT { return [] }
            throw Problem(message: "cannot read \(path): \(String(cString: strerror(error.code)))")
        }
        if bytes.contains(0) { throw Problem(message: "\(path) is not a history file (it is not text)") }
        return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).filter { line in
            // Readline's timestamp lines (`#` and digits), written when timestamps are on.
            !(line.count > 1 && line.first == UInt8(ascii: "#") && line.dropFirst().allSatisfy { (0x30...0x39).contains($0) })
        }
    }

    /// Appends `entry`, keeping the newest 1,024 entries, atomically (see the type).
    func append(_ entry: String) throws(Problem) {
        let lock = Glibc.open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw problem("cannot lock") }
        defer { Glibc.close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw problem("cannot lock") }
        }
        // As bytes: a line that is not UTF-8 stays in the file, as readline wrote it.
        var kept = try lines()
        kept.append(ArraySlice(entry.utf8))
        let text = Array(kept.suffix(History.limit).joined(separator: [UInt8(ascii: "\n")])) + [UInt8(ascii: "\n")]
        let temporary = path + ".tmp-\(getpid())"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw problem("cannot write") }
        let written = Self.writeAll(text, to: fd)
        let synced = fsync(fd) == 0
        Glibc.close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            let failure = problem("cannot write")
            unlink(temporary)
            throw failure
        }
    }

    private func problem(_ what: String) -> Problem {
        Problem(message: "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    private struct ReadError: Error {
        let code: Int32
    }

    private func read() throws(ReadError) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(code: errno) }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw ReadError(code: errno) }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }
}
