import QMP

/// Scenario 3: sequential and 64-way pipelined round trips, from `caller`'s isolation
/// (Callers.swift: nonisolated code, the main actor, or an actor holding the client).
enum CommandBenchmark {
    static func run(target: String, transport: some Transport, commands: Int, caller: Caller = .nonisolated) async throws {
        let client = QMPClient()
        try await client.connect(transport)
        let sequential: Double
        let pipelined: Double
        switch caller {
        case .nonisolated:
            sequential = try await NonisolatedCaller.sequential(client, commands)
            pipelined = try await NonisolatedCaller.pipelined(client, commands)
        case .mainActor:
            sequential = try await MainActorCaller.sequential(client, commands)
            pipelined = try await MainActorCaller.pipelined(client, commands)
        case .actor:
            let manager = VMManager(client: client)
            sequential = try await manager.sequential(commands)
            pipelined = try await manager.pipelined(commands)
        }
        await client.disconnect()
        Measure.report([
            "scenario": "commands", "target": target, "commands": commands, "caller": caller.rawValue,
            "sequential_per_s": Double(commands) / sequential,
            "pipelined_per_s": Double(commands / 64 * 64) / pipelined,
        ])
    }
}
