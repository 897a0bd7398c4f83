import QMP
import QMPMock
import QMPTransportUnix

/// Scenario 5: many simultaneous connections, served in process by the simulator.
enum ScaleBenchmark {
    static func run(connections: Int, directory: String) async throws {
        let path = directory + "/scale.sock"
        let listener = try await UnixSocketListener.listen(path: path)
        let simulator = SimulatedQEMU()
        let server = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<connections {
                    guard let transport = try? await listener.accept() else { break }
                    group.addTask { await simulator.serve(transport) }
                }
            }
        }
        let threadsBefore = Measure.threads
        var clients: [QMPClient] = []
        let setup = try await Measure.seconds {
            for _ in 0..<connections {
                let client = QMPClient()
                try await client.connect(try await UnixSocketTransport.connect(path: path))
                clients.append(client)
            }
        }
        let roundTrip = try await Measure.seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in clients { group.addTask { _ = try await client.execute("query-status") } }
                try await group.waitForAll()
            }
        }
        let threadsAfter = Measure.threads
        let rss = Measure.status("VmRSS")
        for client in clients { await client.disconnect() }
        await server.value
        await listener.close()
        Measure.report([
            "scenario": "scale", "connections": connections, "setup_s": setup, "one_command_each_s": roundTrip,
            "threads_before": threadsBefore, "threads_after": threadsAfter, "rss_kib": rss,
        ])
    }
}
