import Foundation

/// Loopback TCP sockets for tests that need a port number.
public enum LoopbackPort {
    /// A TCP socket bound to 127.0.0.1 on a port the kernel picked; the caller owns `fd`.
    public static func bound() -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Whether a socket of this machine is connecting to `port` on 127.0.0.1 and waits for
    /// the answer (state SYN_SENT in /proc/net/tcp), as a connect to a full backlog does.
    public static func hasConnectInProgress(to port: UInt16) -> Bool {
        guard let data = QEMUInstance.procFile("/proc/net/tcp") else { return false }
        let remote = String(format: "0100007F:%04X", port)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 3 && fields[2] == remote && fields[3] == "02"
        }
    }

    /// A port that was free a moment ago (bound, read, released).
    public static func free() -> UInt16 {
        let (fd, port) = bound()
        close(fd)
        return port
    }
}
