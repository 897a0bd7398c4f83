import QMP

/// Scenario 4: peak RSS while a flood meets a listener that reads slowly.
enum MemoryBenchmark {
    static func run(transport: some Transport, policy: String) async throws {
        let client = QMPClient()
        let slow = Listener(policy: policy == "bounded" ? .bufferingOldest(1_000) : .unbounded, historyLimit: 100)
        let end = Listener(EventNames("FLOOD_END"))
        try client.register(slow)
        try client.register(end)
        let reader = Task {
            var read = 0
            while true {
                _ = try await slow.get()
                read += 1
                if read % 1_000 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
        }
        let before = Measure.status("VmRSS")
        try await client.connect(transport)
        _ = try await end.get()
        let peak = Measure.status("VmHWM")
        reader.cancel()
        await client.disconnect()
        Measure.report([
            "scenario": "memory", "policy": policy, "rss_before_kib": before, "peak_rss_kib": peak,
            "dropped": slow.droppedCount,
        ])
    }
}
