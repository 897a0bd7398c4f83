import Dispatch
import Foundation
import Synchronization
import QMPCore
import QMPChildProcess
import QMPMock
import QMPTransportTCP
import QMPTransportUnix
#if canImport(Glibc)
import Glibc
#endif

@main
enum QMPSimulatorMain {
    static func main() async {
        let options: SimulatorOptions
        do {
            options = try SimulatorOptions(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            if let message = error.message {
                printError("qmp-simulator: \(message)\n\(SimulatorOptions.usage)")
                ProcessExit.exit(2)
            }
            print(SimulatorOptions.usage)
            return
        }
        do {
            try await serve(options)
        } catch {
            printError("qmp-simulator: \(error)")
            ProcessExit.exit(1)
        }
    }

    private static func serve(_ options: SimulatorOptions) async throws {
        if let upstream = options.proxy, let record = options.record, case .unix(let path)? = options.endpoint,
           !TransportProxy.isTCP(upstream) {
            return try await proxy(listeningAt: path, upstream: upstream, record: record)
        }
        var sessions = 0
        let transcript = try options.replay.map { path throws(QMPError) in try Transcript(contentsOf: path) }
        let simulator = SimulatedQEMU()
        // One agent for every client, like one qemu-ga process: files and processes persist.
        let agent = options.agent ? SimulatedGuestAgent() : nil
        let accept: @Sendable () async throws -> any Transport
        let shutdown: @Sendable () async -> Void
        let banner: String
        switch options.endpoint {
        case .unix(let path)?:
            let listener = try await UnixSocketListener.listen(path: path)
            accept = { try await listener.accept() }
            shutdown = { await listener.close() }
            banner = "qmp-simulator: listening on unix:\(path)"
        case .tcp(let address)?:
            let endpoint = try HostPort(parsing: address)
            let listener = try await TCPListener.listen(host: endpoint.host, port: endpoint.port)
            accept = { try await listener.accept() }
            shutdown = { await listener.close() }
            banner = "qmp-simulator: listening on tcp:\(listener.endpoint)"
        case nil:
            return
        }
        let stopping = Atomic<Bool>(false)
        let signals = await installSignalHandlers {
            stopping.store(true, ordering: .releasing)
            Task {
                await shutdown()
                ProcessExit.exit(0)
            }
        }
        defer { withExtendedLifetime(signals) {} }
        // Only now: whoever waits for the banner may signal at once.
        printError(banner)
        while true {
            let transport: any Transport
            do {
                transport = try await accept()
            } catch where stopping.load(ordering: .acquiring) {
                // Closing the listener fails the pending accept; the signal handler
                // removes the socket file and exits 0, so wait for it rather than exit 1.
                try await Task.sleep(for: .seconds(60))
                return
            }
            if let upstream = options.proxy, let record = options.record {
                sessions += 1
                do {
                    try await TransportProxy.forward(transport, to: upstream, recordingTo: sessions == 1 ? record : "\(record).\(sessions)")
                } catch {
                    printError("qmp-simulator: \(error)")
                    await transport.close()
                }
            } else if let agent {
                await agent.serve(transport)
            } else if let transcript {
                await (try ReplayTransport(transcript: transcript)).serve(over: transport)
            } else {
                await simulator.serve(transport)
            }
        }
    }

    /// Runs the recording proxy until SIGTERM or SIGINT, which write the transcript in
    /// progress, remove the socket file and exit 0.
    private static func proxy(listeningAt path: String, upstream: String, record: String) async throws {
        let proxy = try RecordingProxy(listeningAt: path, upstream: upstream, recordPath: record)
        let signals = await installSignalHandlers {
            do {
                try proxy.writeCurrent()
            } catch {
                printError("qmp-simulator: \(error)")
            }
            unlink(path)
            ProcessExit.exit(0)
        }
        printError("qmp-simulator: recording proxy on unix:\(path) for unix:\(upstream)")
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                proxy.run { printError($0) }
                finished.resume()
            }
        }
        withExtendedLifetime(signals) {}
        unlink(path)
    }

    /// SIGTERM and SIGINT run `handler` on a Dispatch queue instead of killing the process,
    /// so the socket file can be removed first.
    ///
    /// Returns once Dispatch watches both: it registers a source asynchronously, and a
    /// signal arriving before that, while the signal is ignored, would be lost.
    private static func installSignalHandlers(_ handler: @escaping @Sendable () -> Void) async -> [any DispatchSourceSignal] {
        let registered = DispatchGroup()
        let sources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            return source
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            registered.notify(queue: .global()) { done.resume() }
        }
        return sources
    }

    private static func printError(_ text: String) {
        // write(2) on fd 2 rather than the C `stderr` global, which is shared mutable state.
        var line = text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
