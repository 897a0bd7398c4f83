import Foundation
import QMP
import Synchronization

/// Scenario 4: how much memory a slow reader costs while a flood arrives, and what one
/// message at the frame limit costs to parse.
///
/// - ``runFlood(events:eventBytes:policy:)``: 1,000,000 events of 1 KB, from a QEMU
///   simulated in process, meet a listener whose reader spends 1 ms on each event, so it
///   takes about one event per socket read and the policy drops nearly all of them.
///   Target: peak RSS growth under 32 MiB for both bounded policies,
///   `bufferingOldest(1000)` and `bufferingNewest(1000)`. (With slices that kept their
///   whole batch, `bufferingOldest` grew by 92 MiB here.)
/// - ``run(transport:policy:)``: a reader pausing 1 ms every 1,000 events, against a
///   peer's flood over a socket.
/// - ``runParsePeak(bytes:shape:)``: peak RSS growth while the framer parses one message
///   of the worst shapes, as a multiple of its size.
enum MemoryBenchmark {
    static let targetGrowthKiB = 32 * 1024

    static func listener(_ policy: String) -> Listener<AllEvents> {
        switch policy {
        case "newest": Listener(policy: .bufferingNewest(1_000), historyLimit: 100)
        case "unbounded": Listener(policy: .unbounded, historyLimit: 100)
        default: Listener(policy: .bufferingOldest(1_000), historyLimit: 100)
        }
    }

    static func policyName(_ policy: String) -> String {
        switch policy {
        case "newest": "bufferingNewest(1000)"
        case "unbounded": "unbounded"
        default: "bufferingOldest(1000)"
        }
    }

    /// `policy`: `bounded` or `oldest` (bufferingOldest(1000)), `newest` (bufferingNewest(1000)), `unbounded`.
    static func run(transport: some Transport, policy: String) async throws {
        let fields = try await measureFlood(transport: transport, policy: policy, pauseEvery: 1_000)
        Measure.report(fields.merging(["source": "unix socket"]) { first, _ in first })
    }

    /// The flood of `events` events of `eventBytes` bytes each, simulated in process.
    static func runFlood(events: Int = 1_000_000, eventBytes: Int = 1_024, policy: String) async throws {
        let transport = FloodTransport(events: events, eventBytes: eventBytes)
        var fields = try await measureFlood(transport: transport, policy: policy, pauseEvery: 1)
        // Its own scenario name, so report.py's socket "memory" rows stay as they were.
        fields["scenario"] = "memory flood"
        fields["source"] = "in process"
        fields["events"] = events
        fields["event_bytes"] = eventBytes
        if policy != "unbounded" { fields["target_met"] = (fields["rss_growth_kib"] as? Int ?? .max) < targetGrowthKiB }
        Measure.report(fields)
    }

    /// The reader pauses 1 ms every `pauseEvery` events, so it falls behind the flood.
    private static func measureFlood(transport: some Transport, policy: String, pauseEvery: Int) async throws -> [String: Any] {
        let client = QMPClient()
        let slow = listener(policy)
        let end = Listener(EventNames("FLOOD_END"))
        try client.register(slow)
        try client.register(end)
        let reader = Task {
            var read = 0
            while true {
                _ = try await slow.get()
                read += 1
                // Slower than the flood: the listener's policy has to drop events.
                if read % pauseEvery == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
        }
        resetPeak()
        let before = Measure.status("VmRSS")
        try await client.connect(transport)
        _ = try await end.get()
        let peak = Measure.status("VmHWM")
        reader.cancel()
        await client.disconnect()
        return [
            "scenario": "memory", "policy": policy, "policy_name": policyName(policy),
            "rss_before_kib": before, "peak_rss_kib": peak, "rss_growth_kib": peak - before,
            "dropped": slow.droppedCount,
        ]
    }

    /// Peak RSS growth while one `{"return": ...}` of about `bytes` bytes is framed and
    /// parsed, for the shapes that cost the most per byte (`shape`: only the one at that
    /// index, as the first large allocation of a process; later ones can reuse the heap the
    /// earlier ones freed, or find it fragmented).
    static func runParsePeak(bytes: Int, shape: Int? = nil) throws {
        let shapes: [(name: String, element: String)] = [
            ("integers [0,0,...]", "0"),
            ("one-element arrays [[0],[0],...]", "[0]"),
            ("one-member objects [{\"\":0},...]", #"{"":0}"#),
            ("short strings [\"a\",...]", #""a""#),
            ("doubles [0.5,...]", "0.5"),
            ("empty objects [{},...]", "{}"),
            ("nested one-element arrays [[[[[[[[0]]]]]]]],...]", "[[[[[[[[0]]]]]]]]"),
        ]
        for (index, (name, element)) in shapes.enumerated() where shape == nil || shape == index {
            let count = max(1, (bytes - 13) / (element.utf8.count + 1))
            var text: [UInt8] = []
            text.reserveCapacity(bytes + 64)
            text.append(contentsOf: #"{"return": ["#.utf8)
            for index in 0..<count {
                if index > 0 { text.append(UInt8(ascii: ",")) }
                text.append(contentsOf: element.utf8)
            }
            text.append(contentsOf: "]}\r\n".utf8)
            var framer = MessageFramer(maxMessageSize: text.count)
            trimHeap()
            resetPeak()
            let before = Measure.status("VmRSS")
            framer.append(text)
            let parsed = try framer.nextMessage()
            let peak = Measure.status("VmHWM")
            let kept = Measure.status("VmRSS")
            let elements = parsed?.message["return"]?.arrayValue?.count ?? 0
            Measure.report([
                "scenario": "parse peak", "shape": name, "message_bytes": text.count, "elements": elements,
                "peak_growth_kib": peak - before, "kept_growth_kib": kept - before,
                "peak_factor": Double((peak - before) * 1_024) / Double(text.count),
            ])
        }
    }

    /// Makes VmHWM start again from the current RSS (Linux: `clear_refs` value 5).
    private static func resetPeak() {
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))
    }

    /// Gives freed heap back to the system, so one measurement does not ride on the last one's leftovers.
    private static func trimHeap() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }
}

#if os(Linux)
/// glibc's `malloc_trim`, which the Glibc module does not export (it is declared in malloc.h).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

/// A QEMU simulated in process that greets, answers `qmp_capabilities`, then sends
/// `events` events of `eventBytes` bytes each, in 64 KiB reads, and `FLOOD_END`.
/// The reads are built once and handed out again and again, so the transport itself
/// adds nothing to the memory measured.
final class FloodTransport: Transport {
    private enum Phase { case greeting, capabilities, flood, end, idle }

    private struct State {
        var phase = Phase.greeting
        var sent = 0
        var capabilitiesID: String?
        var closed = false
    }

    private static let lineEnd = Array("\r\n".utf8)
    private let state = Mutex(State())
    /// Signalled by `send` (the capabilities command arrived) and by `close`.
    private let signal: AsyncStream<Void>
    private let signalContinuation: AsyncStream<Void>.Continuation
    private let events: Int
    private let chunk: [UInt8]
    private let perChunk: Int

    init(events: Int, eventBytes: Int) {
        self.events = events
        let prefix = #"{"timestamp": {"seconds": 1700000000, "microseconds": 123456}, "event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "job0", "padding": ""#
        let suffix = "\"}}\r\n"
        let padding = max(0, eventBytes - prefix.utf8.count - suffix.utf8.count)
        let line = Array((prefix + String(repeating: "x", count: padding) + suffix).utf8)
        perChunk = max(1, 65_536 / line.count)
        chunk = Array([[UInt8]](repeating: line, count: perChunk).joined())
        (signal, signalContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func send(_ bytes: [UInt8]) async throws {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("qmp_capabilities") else { return }
        let id = (try? JSONValue(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)))?["id"]?.stringValue
        state.withLock { $0.capabilitiesID = id ?? "" }
        signalContinuation.yield()
    }

    func receive() async throws -> [UInt8]? {
        var waits = signal.makeAsyncIterator()
        while true {
            enum Step { case bytes([UInt8]), wait, end }
            let step: Step = state.withLock { state in
                if state.closed { return .end }
                switch state.phase {
                case .greeting:
                    state.phase = .capabilities
                    return .bytes(Array(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#.utf8) + Self.lineEnd)
                case .capabilities:
                    guard let id = state.capabilitiesID else { return .wait }
                    state.phase = .flood
                    return .bytes(Array(#"{"return": {}, "id": "\#(id)"}"#.utf8) + Self.lineEnd)
                case .flood:
                    let count = min(perChunk, events - state.sent)
                    state.sent += count
                    if state.sent >= events { state.phase = .end }
                    return .bytes(count == perChunk ? chunk : Array(chunk[..<(count * (chunk.count / perChunk))]))
                case .end:
                    state.phase = .idle
                    return .bytes(Array(#"{"timestamp": {"seconds": 1700000000, "microseconds": 1}, "event": "FLOOD_END"}"#.utf8) + Self.lineEnd)
                case .idle:
                    return .wait
                }
            }
            switch step {
            case .bytes(let bytes): return bytes
            case .end: return nil
            case .wait: if await waits.next() == nil { return nil }
            }
        }
    }

    func close() async {
        state.withLock { $0.closed = true }
        signalContinuation.yield()
        signalContinuation.finish()
    }
}
