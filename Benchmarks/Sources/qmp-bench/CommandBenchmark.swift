import QMP

/// Scenario 3: sequential and 64-way pipelined round trips.
enum CommandBenchmark {
    static func run(target: String, transport: some Transport, commands: Int) async throws {
        let client = QMPClient()
        try await client.connect(transport)
        let sequential = try await Measure.seconds {
            for _ in 0..<commands { _ = try await client.execute("query-status") }
        }
        let pipelined = try await Measure.seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<64 {
                    group.addTask { for _ in 0..<(commands / 64) { _ = try await client.execute("query-status") } }
                }
                try await group.waitForAll()
            }
        }
        await client.disconnect()
        Measure.report([
            "scenario": "commands", "target": target, "commands": commands,
            "sequential_per_s": Double(commands) / sequential,
            "pipelined_per_s": Double(commands / 64 * 64) / pipelined,
        ])
    }
}
