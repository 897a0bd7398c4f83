import Foundation
import QMP
import QMPMock
import QMPTransportTCP
import QMPTransportUnix

/// Connects the shell's client to its target and cleans up afterwards.
struct ShellConnection {
    /// What to tell the user first.
    let banner: String
    let transport: any Transport
    private let cleanup: @Sendable () async -> Void

    func close() async { await cleanup() }

    static func open(_ options: ShellOptions) async throws -> ShellConnection {
        switch options.target {
        case .simulator:
            let transport = SimulatedQEMU().makeClientTransport()
            return ShellConnection(
                banner: "qmp-shell: connected to the built-in simulated QEMU (no VM needed; give a socket PATH or HOST:PORT for a real one)",
                transport: transport, cleanup: {}
            )
        case .unix(let path) where options.listen:
            let listener = try await UnixSocketListener.listen(path: path)
            FileHandle.standardError.write(Data("qmp-shell: waiting for QEMU to connect to unix:\(path)\n".utf8))
            let transport = try await listener.accept()
            await listener.close()
            return ShellConnection(banner: "qmp-shell: QEMU connected on unix:\(path)", transport: transport, cleanup: {})
        case .unix(let path):
            let transport = try await UnixSocketTransport.connect(path: path)
            return ShellConnection(banner: "qmp-shell: connected to unix:\(path)", transport: transport, cleanup: {})
        case .tcp(let address) where options.listen:
            let endpoint = try HostPort(parsing: address)
            let listener = try await TCPListener.listen(host: endpoint.host, port: endpoint.port)
            FileHandle.standardError.write(Data("qmp-shell: waiting for QEMU to connect to tcp:\(listener.endpoint)\n".utf8))
            let transport = try await listener.accept()
            await listener.close()
            return ShellConnection(banner: "qmp-shell: QEMU connected on tcp:\(endpoint)", transport: transport, cleanup: {})
        case .tcp(let address):
            let endpoint = try HostPort(parsing: address)
            let transport = try await TCPTransport.connect(to: endpoint)
            return ShellConnection(banner: "qmp-shell: connected to tcp:\(endpoint)", transport: transport, cleanup: {})
        case .launch:
            return try await launch()
        }
    }

    private static func launch() async throws -> ShellConnection {
        let directory = NSTemporaryDirectory() + "qmp-shell-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/qmp.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display", "none", "-qmp", "unix:\(path),server=on,wait=off"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let removeAll: @Sendable () -> Void = {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) && process.isRunning {
            try await Task.sleep(for: .milliseconds(10))
        }
        do {
            let transport = try await UnixSocketTransport.connect(path: path)
            return ShellConnection(
                banner: "qmp-shell: launched qemu-system-x86_64 -machine none (pid \(process.processIdentifier)), connected to unix:\(path)",
                transport: transport, cleanup: removeAll
            )
        } catch {
            removeAll()
            throw QMPError(.connectionFailed, "could not start qemu-system-x86_64 (is it installed?): \(error)")
        }
    }
}
