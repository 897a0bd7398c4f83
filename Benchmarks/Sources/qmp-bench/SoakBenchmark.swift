import Foundation
import QMP

/// `qmp-bench soak MINUTES CONNECTIONS DIR`: CONNECTIONS clients, each running session
/// after session against one simulator on a Unix socket (see ``SoakSession``), while
/// connections are killed at random. Every 10 s a sample line reports RSS, the heap
/// in use (RSS growing while it stays flat is the allocator's fragmentation), open
/// descriptors and threads; the last line sums up, with the failures found (any makes
/// the exit status 1).
enum SoakBenchmark {
    static func run(minutes: Double, connections: Int, directory: String) async throws {
        let server = try await SoakServer(path: directory + "/soak.sock")
        let totals = SoakTotals()
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(minutes * 60)
        let configuration = {
            var configuration = QMPClient.Configuration()
            // The built-in listener queues only the newest few events (its history still keeps 1,000).
            configuration.eventsPolicy = .bufferingNewest(16)
            return configuration
        }()

        let workers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        let client = QMPClient(configuration: configuration)
                        while clock.now < end {
                            var session = SoakSession(client: client, path: server.path)
                            await session.run()
                            totals.add(session.tally)
                            // Think time, so the 1,000 clients do not all run flat out on a shared machine.
                            try? await Task.sleep(for: .milliseconds(Int.random(in: 0...200)))
                        }
                    }
                }
            }
        }
        let killer = Task {
            var kills = 0
            while clock.now < end {
                try? await Task.sleep(for: .milliseconds(50))
                if !skipped.contains("kill"), await server.killOne() { kills += 1 }
            }
            return kills
        }

        var samples: [Sample] = []
        while clock.now < end {
            try? await Task.sleep(for: .seconds(min(10, max(0.1, (end - clock.now) / .seconds(1)))))
            let sample = Sample(seconds: (clock.now - start) / .seconds(1), connections: server.connectionCount, tally: totals.snapshot)
            samples.append(sample)
            Measure.report(sample.fields)
            fflush(nil) // a sample at a time, also into a file (nil: every stream, no global to touch)
        }
        await workers.value
        let kills = await killer.value
        await server.stop()
        let final = Sample(seconds: (clock.now - start) / .seconds(1), connections: server.connectionCount, tally: totals.snapshot)
        // Flat: compare the end with the first sample after the warm-up, a tenth of the run
        // but at least 90 s (half of a short run): each client's built-in listener fills its
        // history of 1,000 events first, some 650 MB for 1,000 clients.
        let warmUp = max(minutes * 6, min(90, minutes * 30))
        let warm = samples.first { $0.seconds >= warmUp } ?? samples.first ?? final
        var summary = final.tally.fields
        summary.merge([
            "scenario": "soak", "minutes": minutes, "connections": connections, "kills": kills,
            "heap_kib_warm": warm.heapKiB, "heap_kib_end": samples.last?.heapKiB ?? final.heapKiB,
            "heap_system_kib_warm": warm.heapSystemKiB, "heap_system_kib_end": samples.last?.heapSystemKiB ?? final.heapSystemKiB,
            "rss_kib_warm": warm.rssKiB, "rss_kib_max": samples.map(\.rssKiB).max() ?? final.rssKiB, "rss_kib_end": samples.last?.rssKiB ?? final.rssKiB,
            "fds_warm": warm.descriptors, "fds_end_idle": final.descriptors,
            "threads_warm": warm.threads, "threads_max": samples.map(\.threads).max() ?? final.threads, "threads_end": final.threads,
            "failures": final.tally.failures,
        ]) { current, _ in current }
        Measure.report(summary)
        if final.tally.failures > 0 { throw SoakFailure(failures: final.tally.failures) }
    }

    struct SoakFailure: Error, CustomStringConvertible {
        let failures: Int
        var description: String { "the soak found \(failures) failure(s); see the summary line" }
    }

    /// The process at one moment.
    struct Sample {
        let seconds: Double
        let connections: Int
        let tally: SoakTally
        let rssKiB = Measure.status("VmRSS")
        let heapKiB = Measure.heapInUseKiB
        let heapSystemKiB = Measure.heapSystemKiB
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
        let threads = Measure.threads

        var fields: [String: Any] {
            [
                "scenario": "soak-sample", "seconds": seconds.rounded(), "rss_kib": rssKiB, "heap_kib": heapKiB, "heap_system_kib": heapSystemKiB, "fds": descriptors,
                "threads": threads, "server_connections": connections, "sessions": tally.sessions, "failures": tally.failures,
            ]
        }
    }
}
