import Foundation
#if os(Linux)
import CMalloc
#endif

/// Timing and process statistics for the benchmarks.
enum Measure {
    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// CPU time the whole process has used, in seconds. On a shared machine it varies far
    /// less than wall time between runs (time other tenants take is not counted), so
    /// comparisons of two builds use it: `cpu_ns_per_event` in the results.
    static var processCPUSeconds: Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// A field of /proc/self/status in KiB, e.g. VmHWM (peak RSS) or VmRSS.
    static func status(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }
        return -1
    }

    /// Bytes the allocator has handed out and not had back (glibc's `mallinfo2`, every
    /// arena, mmapped blocks included), in KiB. Flat while RSS grows means the allocator
    /// keeps freed memory (fragmentation); growing means something still holds it.
    static var heapInUseKiB: Int {
        #if os(Linux)
        let info = mallinfo2()
        return Int((info.uordblks + info.hblkhd) / 1024)
        #else
        return -1
        #endif
    }

    /// Bytes the allocator has taken from the system (`mallinfo2`'s arenas plus mmapped
    /// blocks), in KiB: what RSS tends to as freed memory is reused and its pages touched.
    static var heapSystemKiB: Int {
        #if os(Linux)
        let info = mallinfo2()
        return Int((info.arena + info.hblkhd) / 1024)
        #else
        return -1
        #endif
    }

    static var threads: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    /// One result line for run.sh: JSON with the scenario and its numbers.
    static func report(_ fields: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
