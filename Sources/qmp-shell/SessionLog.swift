import QMP
import QMPMock

extension ShellConnection {
    /// `-l FILE`: the same connection, recorded; the transcript is written when the shell
    /// ends, however it ends (a signal included, through ``ExitCleanup``).
    func recorded(to path: String, output: ShellOutput) -> ShellConnection {
        let recorder = RecordingTransport(ErasedTransport(base: transport), recordTiming: true)
        ExitCleanup.add {
            do {
                try recorder.transcript.write(to: path)
            } catch {
                output.notice(QMPShellMain.describe(error))
                ExitCleanup.failLater()
            }
        }
        var connection = ShellConnection(banner: banner, transport: recorder, negotiationTimeout: negotiationTimeout, diagnosis: diagnosis)
        connection.guestAgent = guestAgent
        return connection
    }
}

/// Any transport as a concrete type, for ``RecordingTransport``'s generic parameter.
private struct ErasedTransport: Transport {
    let base: any Transport

    func send(_ bytes: [UInt8]) async throws { try await base.send(bytes) }
    func receive() async throws -> [UInt8]? { try await base.receive() }
    func close() async { await base.close() }
    func sendImmediately(_ bytes: [UInt8]) -> Int { base.sendImmediately(bytes) }
    var readerExecutor: (any TaskExecutor)? { base.readerExecutor }
}
