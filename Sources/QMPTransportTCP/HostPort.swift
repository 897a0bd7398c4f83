public import QMPCore

/// A TCP endpoint written as `HOST:PORT`, `[IPv6]:PORT` or `[::1]:PORT`.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name or a numeric IPv4 or IPv6 address, without brackets (`::1`, not `[::1]`).
    public var host: String
    /// The TCP port.
    public var port: UInt16

    /// Creates an endpoint from its parts; nothing is resolved until a connect or listen.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `localhost:4444`, `127.0.0.1:4444` or `[::1]:4444`.
    public init(parsing text: String) throws(QMPError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":")
            else { throw QMPError(.connectionFailed, "'\(text)' is not HOST:PORT or [IPv6]:PORT") }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw QMPError(.connectionFailed, "'\(text)' is not HOST:PORT or [IPv6]:PORT")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = UInt16(portText) else {
            throw QMPError(.connectionFailed, "'\(text)' is not HOST:PORT with a port number from 0 to 65535")
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
