import Foundation
import QMP
import QMPMock
import QMPTransportUnix

/// `qmp-bench SCENARIO ARGS...`; Benchmarks/run.sh runs every scenario side by side.
@main
enum QMPBenchMain {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            switch arguments.first {
            case "parse":
                let schema = try Transcript(contentsOf: arguments[1]).entries.compactMap(\.text).max { $0.utf8.count < $1.utf8.count } ?? "{}"
                try ParseBenchmark.run(schemaLine: Array(schema.utf8), iterations: Int(arguments[2]) ?? 200_000)
            case "events":
                let caller = try option(arguments, 3, { Caller(argument: $0) }) ?? .nonisolated
                let read = try option(arguments, 4, { ReadStyle(argument: $0) }) ?? .get
                let transport = try await UnixSocketTransport.connect(path: arguments[1])
                try await EventBenchmark.run(source: "unix socket", transport: transport, events: 0, listeners: Int(arguments[2]) ?? 1, caller: caller, read: read)
            case "replay":
                let count = Int(arguments[1]) ?? 1_000_000
                let replay = try ReplayTransport(transcript: EventBenchmark.replayTranscript(events: count))
                try await EventBenchmark.run(source: "replay", transport: replay, events: count, listeners: Int(arguments[2]) ?? 1)
            case "reader":
                try await ReaderBenchmark.run(events: Int(arguments[1]) ?? 1_000_000)
            case "commands":
                let caller = try option(arguments, 4, { Caller(argument: $0) }) ?? .nonisolated
                let transport = try await UnixSocketTransport.connect(path: arguments[1])
                try await CommandBenchmark.run(target: arguments[3], transport: transport, commands: Int(arguments[2]) ?? 20_000, caller: caller)
            case "memory":
                try await MemoryBenchmark.run(transport: try await UnixSocketTransport.connect(path: arguments[1]), policy: arguments[2])
            case "memory-flood":
                let events = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
                try await MemoryBenchmark.runFlood(events: events, policy: arguments[1])
            case "memory-parse":
                try MemoryBenchmark.runParsePeak(bytes: Int(arguments[1]) ?? (2 << 20), shape: arguments.count > 2 ? Int(arguments[2]) : nil)
            case "soak":
                try await SoakBenchmark.run(minutes: Double(arguments[1]) ?? 2, connections: Int(arguments[2]) ?? 1_000, directory: arguments[3])
            case "scale":
                try await ScaleBenchmark.run(connections: Int(arguments[1]) ?? 1_000, directory: arguments[2])
            default:
                print("usage: qmp-bench parse TRANSCRIPT N | events SOCKET LISTENERS [nonisolated|main|actor [get|iterate]] | replay N LISTENERS | reader N | commands SOCKET N LABEL [nonisolated|main|actor] | memory SOCKET bounded|unbounded | memory-flood oldest|newest|unbounded [N] | memory-parse BYTES [SHAPE] | scale N DIR | soak MINUTES CONNECTIONS DIR")
                exit(2)
            }
        } catch {
            FileHandle.standardError.write(Data("qmp-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    struct UsageError: Error, CustomStringConvertible { let description: String }

    /// The optional argument at `index`, parsed; nil when absent, an error when unknown.
    static func option<T>(_ arguments: [String], _ index: Int, _ parse: (String) -> T?) throws -> T? {
        guard index < arguments.count else { return nil }
        guard let value = parse(arguments[index]) else { throw UsageError(description: "unknown argument '\(arguments[index])'") }
        return value
    }
}
