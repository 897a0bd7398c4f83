import Foundation
import QMP
import QMPMock
import QMPTransportTCP
import QMPTransportUnix

/// The transport to the shell's target, and what to tell the user about it.
///
/// Anything to undo when the shell ends (a launched QEMU) is registered with
/// ``ExitCleanup``, so a signal undoes it too.
struct ShellConnection {
    /// The first line the shell prints: which QEMU this is.
    let banner: String
    let transport: any Transport
    /// How long the greeting and negotiation may take; `nil` for the client's default.
    var negotiationTimeout: Duration? = nil
    /// What to add when connecting fails: the state of a QEMU the shell started.
    var diagnosis: (@Sendable () -> String)? = nil
    /// The target is a guest agent (`--agent`).
    var guestAgent = false

    /// Connects `client` as QMP or to a guest agent; returns the line that names the peer.
    func connect(_ client: QMPClient) async throws(QMPError) -> String {
        guard guestAgent else {
            let greeting = try await client.connect(transport)
            return "QEMU \(greeting.version) \(greeting.version.package)"
        }
        let info = try await client.connectToGuestAgent(transport)
        return "QEMU Guest Agent \(info.version ?? "(guest-info failed)")"
    }

    static func open(_ options: ShellOptions) async throws -> ShellConnection {
        var connection = try await openTransport(options)
        connection.guestAgent = options.agent
        return connection
    }

    private static func openTransport(_ options: ShellOptions) async throws -> ShellConnection {
        switch options.target {
        case .simulator where options.agent:
            return ShellConnection(
                banner: "qmp-shell: connected to the built-in simulated guest agent (give a socket PATH or HOST:PORT for a real one)",
                transport: SimulatedGuestAgent().makeClientTransport()
            )
        case .simulator:
            return ShellConnection(
                banner: "qmp-shell: connected to the built-in simulated QEMU (no VM needed; give a socket PATH or HOST:PORT for a real one)",
                transport: SimulatedQEMU().makeClientTransport()
            )
        case .unix(let path) where options.listen:
            let listener = try await UnixSocketListener.listen(path: path)
            // Interrupted while waiting: the socket file must not stay behind.
            ExitCleanup.add { unlink(path) }
            notice("waiting for QEMU to connect to unix:\(path)")
            let transport = try await acceptOne(listener.accept, close: listener.close)
            return ShellConnection(banner: "qmp-shell: QEMU connected on unix:\(path)", transport: transport)
        case .unix(let path):
            let transport = try await UnixSocketTransport.connect(path: path)
            return ShellConnection(banner: "qmp-shell: connected to unix:\(path)", transport: transport)
        case .tcp(let address) where options.listen:
            let endpoint = try HostPort(parsing: address)
            let listener = try await TCPListener.listen(host: endpoint.host, port: endpoint.port)
            notice("waiting for QEMU to connect to tcp:\(listener.endpoint)")
            let transport = try await acceptOne(listener.accept, close: listener.close)
            return ShellConnection(banner: "qmp-shell: QEMU connected on tcp:\(listener.endpoint)", transport: transport)
        case .tcp(let address):
            let endpoint = try HostPort(parsing: address)
            let transport = try await TCPTransport.connect(to: endpoint)
            return ShellConnection(banner: "qmp-shell: connected to tcp:\(endpoint)", transport: transport)
        case .launch:
            return try await launch()
        }
    }

    /// One connection, then the listener closes (removing its socket file) either way.
    private static func acceptOne<T>(_ accept: () async throws -> T, close: () async -> Void) async throws -> T {
        do {
            let transport = try await accept()
            await close()
            return transport
        } catch {
            await close()
            throw error
        }
    }

    static func notice(_ text: String) {
        FileHandle.standardError.write(Data("qmp-shell: \(text)\n".utf8))
    }
}
