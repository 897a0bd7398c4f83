import Foundation
import QMP
import QMPTestSupport
import QMPTransportUnix
import Testing

/// A QEMU-like greeting and `{"return": {}}` for every command: enough for a client to connect.
func serveMinimalQMP(_ transport: some Transport) async {
    do {
        try await transport.send(Array(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#.utf8) + [13, 10])
        var framer = MessageFramer()
        while let chunk = try await transport.receive() {
            framer.append(chunk)
            while let frame = try framer.nextFrame() {
                let command = try Message(parsing: frame)
                var reply: JSONObject = ["return": [:]]
                if let id = command.id { reply["id"] = id }
                try await transport.send(Message(reply).serializedBytes() + [13, 10])
            }
        }
    } catch {}
    await transport.close()
}

/// Threads in this process, from /proc.
func threadCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
}

/// Raises the soft open-file limit to the hard limit.
func raiseFileLimit() {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// Whether IPv6 loopback is usable here.
func hasIPv6Loopback() -> Bool {
    let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_addr = in6addr_loopback
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
    }
}

/// Runs `body` with both ends of a fresh Unix socket connection, client first; closes everything after.
func withConnectedUnixPair(_ body: (UnixSocketTransport, UnixSocketTransport) async throws -> Void) async throws {
    let directory = try QEMUInstance.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let listener = try await UnixSocketListener.listen(path: directory + "/pair.sock")
    async let accepted = listener.accept()
    let client = try await UnixSocketTransport.connect(path: directory + "/pair.sock")
    let server = try await accepted
    var failure: (any Error)?
    do { try await body(client, server) } catch { failure = error }
    await client.close()
    await server.close()
    await listener.close()
    if let failure { throw failure }
}
