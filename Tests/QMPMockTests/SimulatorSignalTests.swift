import Foundation
import QMPChildProcess
import QMPTestSupport
import Testing

@Suite("qmp-simulator and signals", .serialized, .timeLimit(.minutes(1)))
struct SimulatorSignalTests {
    /// Once it says it listens, SIGTERM is handled: a clean exit that removes the socket,
    /// never death by the signal nor a signal lost while the handler was being set up.
    @Test func sigtermRightAfterTheBannerExitsCleanly() async throws {
        let directory = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for attempt in 0..<5 {
            let path = directory + "/sim\(attempt).sock"
            let started = try BuiltTool.start("qmp-simulator", ["--unix", path])
            defer { for fd in [started.stdin, started.stdout, started.stderr] { close(fd) } }
            await started.waitForStderr(containing: "listening")
            kill(started.process.pid, SIGTERM)
            await BuiltTool.offPool { started.process.waitForExit() }
            #expect(started.process.exitStatus == 0, "attempt \(attempt)")
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}
