import QMP

/// The client reader's own work for an event flood, synchronously: framing and parsing
/// 64 KiB chunks, then handing each chunk's events to the listeners (the built-in
/// `events` listener and one catch-all). No task, no socket, so callgrind can count it:
/// `valgrind --tool=callgrind --toggle-collect='*readChunk*' qmp-bench reader N`.
enum ReaderBenchmark {
    static func run(events: Int) async throws {
        var flood: [UInt8] = []
        for _ in 0..<events { flood += ParseBenchmark.eventLine + [0x0D, 0x0A] }
        let chunks = stride(from: 0, to: flood.count, by: 65_536).map { Array(flood[$0..<min($0 + 65_536, flood.count)]) }
        let hub = EventHub()
        let consumer = Listener(policy: .unbounded, historyLimit: 0)
        try hub.register(consumer)
        var framer = MessageFramer()
        var batch: [Event] = []
        var delivered = 0
        let cpuBefore = Measure.processCPUSeconds
        let elapsed = try await Measure.seconds {
            for chunk in chunks {
                try readChunk(chunk, framer: &framer, batch: &batch, hub: hub)
                delivered += consumer.clear().count
            }
        }
        let cpu = Measure.processCPUSeconds - cpuBefore
        Measure.report([
            "scenario": "reader", "events": delivered, "events_per_s": Double(delivered) / elapsed,
            "cpu_ns_per_event": cpu * 1e9 / Double(max(1, delivered)),
        ])
    }

    /// What `Session`'s read loop does with one chunk.
    @inline(never)
    static func readChunk(_ chunk: [UInt8], framer: inout MessageFramer, batch: inout [Event], hub: EventHub) throws {
        framer.append(chunk)
        while let (parsed, _) = try framer.nextParsed() {
            switch parsed {
            case .event(let event): batch.append(event)
            // An event split across two chunks comes back as a message.
            case .message(let message): if let event = try? Event(message) { batch.append(event) }
            }
        }
        hub.dispatch(contentsOf: batch)
        batch.removeAll(keepingCapacity: true)
    }
}
