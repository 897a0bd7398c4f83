#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import QMPCore

/// The outcome of a non-blocking system call.
package enum SyscallResult<Value> {
    case value(Value)
    /// EAGAIN/EWOULDBLOCK/EINPROGRESS: wait for readiness and try again.
    case wouldBlock
}

/// Runs `call` until it stops failing with EINTR; maps EAGAIN to ``SyscallResult/wouldBlock``.
///
/// `errno` is read straight after the call, before anything else can overwrite it.
package func nonBlockingSyscall<Value: BinaryInteger>(
    _ what: @autoclosure () -> String,
    _ call: () -> Value
) throws(QMPError) -> SyscallResult<Value> {
    while true {
        let result = call()
        if result >= 0 { return .value(result) }
        let code = errno
        switch code {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK, EINPROGRESS: return .wouldBlock
        default: throw SocketError.transport(what(), errno: code)
        }
    }
}

/// Builders for the errors socket code reports.
package enum SocketError {
    /// The OS's text for `code`, e.g. "Connection refused".
    package static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// A failure to reach `target` (a path or host:port).
    package static func connection(_ what: String, target: String, errno code: Int32) -> QMPError {
        QMPError(.connectionFailed, "\(what) \(target) failed: \(describe(code)) (errno \(code))", errno: code)
    }

    /// A failure of I/O on an established connection.
    package static func transport(_ what: String, errno code: Int32) -> QMPError {
        QMPError(.transportFailed, "\(what) failed: \(describe(code)) (errno \(code))", errno: code)
    }

    package static func closed(_ target: String) -> QMPError {
        QMPError(.disconnected, "the connection to \(target) is closed")
    }
}

/// Sets O_NONBLOCK on `fd`.
package func setNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
}
