import QMP
import QMPMock
import Synchronization

/// The far end of the client's in-process transport, written to by the script;
/// what the client sends is collected, split where braces balance.
public final class ScriptPeer: Sendable {
    /// The transport to hand to the client.
    public let clientEnd: InProcessTransport
    private let server: InProcessTransport
    private let received = ReceivedCommands()
    private let reader: Task<Void, Never>

    /// A connected pair, the client's end not used yet.
    public init() {
        let (clientEnd, server) = InProcessTransport.makePair()
        self.clientEnd = clientEnd
        self.server = server
        let received = received
        reader = Task {
            while let chunk = try? await server.receive() {
                received.state.withLock { state in
                    // A guest agent client sends 0xFF (the agent's parser reset) before its
                    // handshake; no JSON text holds that byte, so it is dropped here.
                    state.framer.append(chunk.filter { $0 != 0xFF })
                    while let frame = try? state.framer.nextFrame() {
                        // The client writes only messages it built itself.
                        guard let message = try? Message(parsing: frame) else {
                            require(false, "the client sent a frame that does not parse: \(String(decoding: frame, as: UTF8.self))")
                            return
                        }
                        state.commands.append(message)
                    }
                }
            }
            received.state.withLock { $0.ended = true }
        }
    }

    /// Sends `text` as one line, CRLF-terminated.
    public func send(_ text: String) {
        sendBytes(Array((text + "\r\n").utf8))
    }

    /// Sends `bytes` as they are.
    public func sendBytes(_ bytes: [UInt8]) {
        server.write(bytes)
    }

    /// Ends the stream the client reads.
    public func finishWriting() {
        server.finishWriting()
    }

    /// The oldest command not yet taken, waiting up to `bound` for one: the client may be
    /// about to send it. `nil` when none comes.
    public func nextCommand(within bound: Duration = .milliseconds(2)) async -> Message? {
        var command: Message?
        _ = await poll(until: {
            received.state.withLock { state in
                if !state.commands.isEmpty { command = state.commands.removeFirst() }
                return command != nil || state.ended
            }
        }, within: bound)
        return command
    }

    /// Closes the peer's end and waits for its reader.
    public func close() async {
        await server.close()
        await reader.value
    }
}

/// What the client sent so far, parsed, and whether it closed its end.
final class ReceivedCommands: Sendable {
    let state = Mutex<(framer: MessageFramer, commands: [Message], ended: Bool)>((MessageFramer(), [], false))
}
