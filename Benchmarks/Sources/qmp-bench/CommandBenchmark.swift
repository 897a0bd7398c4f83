import Foundation
import QMP

/// Scenario 3: sequential and 64-way pipelined round trips, from `caller`'s isolation
/// (Callers.swift: nonisolated code, the main actor, or an actor holding the client).
enum CommandBenchmark {
    static func run(target: String, transport: some Transport, commands: Int, caller: Caller = .nonisolated) async throws {
        let client = QMPClient()
        try await client.connect(transport)
        let sequential: Double
        let pipelined: Double
        // Profiling one half: QMP_BENCH_ONLY=pipelined skips the sequential part (its rate reads 0).
        let only = ProcessInfo.processInfo.environment["QMP_BENCH_ONLY"]
        let sequentialCommands = only == "pipelined" ? 0 : commands
        let pipelinedCommands = only == "sequential" ? 0 : commands
        switch caller {
        case .nonisolated:
            sequential = try await NonisolatedCaller.sequential(client, sequentialCommands)
            pipelined = try await NonisolatedCaller.pipelined(client, pipelinedCommands)
        case .mainActor:
            sequential = try await MainActorCaller.sequential(client, sequentialCommands)
            pipelined = try await MainActorCaller.pipelined(client, pipelinedCommands)
        case .actor:
            let manager = VMManager(client: client)
            sequential = try await manager.sequential(sequentialCommands)
            pipelined = try await manager.pipelined(pipelinedCommands)
        }
        await client.disconnect()
        Measure.report([
            "scenario": "commands", "target": target, "commands": commands, "caller": caller.rawValue,
            "sequential_per_s": Double(sequentialCommands) / sequential,
            "pipelined_per_s": Double(pipelinedCommands / 64 * 64) / pipelined,
        ])
    }
}
