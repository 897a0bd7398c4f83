#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import QMPCore

extension Transcript {
    /// Reads a transcript file.
    ///
    /// - Throws: ``QMPError/Code/invalidState`` naming the file and the system's reason
    ///   ("No such file or directory"), or what ``init(parsing:)`` throws.
    public init(contentsOf path: String) throws(QMPError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("read", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Self.failure("read", path) }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        try self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }

    /// Writes the text form to `path`, replacing the file.
    ///
    /// - Throws: ``QMPError/Code/invalidState`` naming the file and the system's reason.
    public func write(to path: String) throws(QMPError) {
        try Self.write(Array(text.utf8), to: path)
    }

    /// Creates `path` if need be, as ``write(to:)`` will: for a tool that records a session,
    /// to learn at the start, not at the end, that the file cannot be written. An existing
    /// file is left as it is.
    /// - Returns: Whether the file was created, for the tool to remove it again when the
    ///   session it was for never starts.
    /// - Throws: ``QMPError/Code/invalidState`` naming the file and the system's reason.
    @discardableResult
    public static func checkWritable(_ path: String) throws(QMPError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd >= 0 {
            close(fd)
            return true
        }
        guard errno == EEXIST else { throw failure("write", path) }
        let existing = open(path, O_WRONLY | O_CLOEXEC)
        guard existing >= 0 else { throw failure("write", path) }
        close(existing)
        return false
    }

    private static func write(_ bytes: [UInt8], to path: String) throws(QMPError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("write", path) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("write", path) }
            offset += count
        }
    }

    private static func failure(_ verb: String, _ path: String) -> QMPError {
        QMPError(.invalidState, "cannot \(verb) transcript \(path): \(String(cString: strerror(errno)))")
    }
}

/// The system's `write`, which ``Transcript``'s own `write` hides inside its extension.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
