import Foundation
import QMPChildProcess
import QMPTestSupport
import QMPTransportUnix
import QMPTypes
import Testing

/// `qemu-storage-daemon` speaks the same QMP for its block layer: the typed block commands work there too.
@Suite("Typed block commands against qemu-storage-daemon", .serialized, .timeLimit(.minutes(2)),
       .enabled("needs qemu-storage-daemon (set CI=true to fail instead of skipping)") {
           StorageDaemon.executablePath != nil || ProcessInfo.processInfo.environment["CI"] == "true"
       })
struct StorageDaemonTypedTests {
    @Test("blockdev-add, query-named-block-nodes, a backup job to concluded, blockdev-del, all typed")
    func typedBlockCommands() async throws {
        try await StorageDaemon.with { daemon in
            let qmp = QMPClient()
            try await qmp.connect(try await UnixSocketTransport.connect(path: daemon.socketPath))
            let version = try await qmp.execute(QueryVersion())
            #expect(version.qemu.major == 7)
            for node in ["src", "dst"] {
                try await qmp.execute(BlockdevAdd(BlockdevOptions(nodeName: node, branch: .nullCo(BlockdevOptionsNull(size: 65_536)))))
            }
            let nodes = try await qmp.execute(QueryNamedBlockNodes(flat: true))
            #expect(Set(nodes.compactMap(\.nodeName)).isSuperset(of: ["src", "dst"]))
            #expect(nodes.first { $0.nodeName == "src" }?.drv == "null-co")
            let job = Listener(TypedJobEvents(id: "sd-job"))
            try await qmp.listen(job) {
                try await qmp.execute(BlockdevBackup(jobID: "sd-job", device: "src", sync: .full, target: "dst"))
                var completed = false
                while true {
                    switch try await job.nextValue(timeout: .seconds(30)) {
                    case .completed(let done):
                        #expect(done.type == .backup)
                        #expect(done.len == 65_536)
                        completed = true
                    case .statusChange(let change) where change.status == .concluded:
                        #expect(completed)
                        return
                    default:
                        continue
                    }
                }
            }
            try await qmp.execute(BlockdevDel(nodeName: "dst"))
            let left = try await qmp.execute(QueryNamedBlockNodes())
            #expect(!left.contains { $0.nodeName == "dst" })
            await qmp.disconnect()
        }
    }
}

/// A `qemu-storage-daemon` with its QMP monitor on a Unix socket, for one test.
struct StorageDaemon {
    static let executable = "qemu-storage-daemon"
    let socketPath: String

    static var executablePath: String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(executable)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts the daemon, waits until its monitor listens, runs `body`, then kills it and removes its files.
    static func with(_ body: (StorageDaemon) async throws -> Void) async throws {
        let path = try #require(executablePath, "\(executable) is not installed (qemu-system-common)")
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = directory + "/qmp.sock"
        let process = try LaunchedProcess(path: path, arguments: [
            executable, "--chardev", "socket,path=\(socket),server=on,wait=off,id=m", "--monitor", "chardev=m",
        ])
        defer { process.killAndWait() }
        try await waitUntil("\(executable) listens on its monitor") {
            try #require(process.isRunning, "\(executable) exited with status \(process.exitStatus ?? -1)")
            return QEMUInstance.isListening(unixPath: socket)
        }
        try await body(StorageDaemon(socketPath: socket))
    }
}
