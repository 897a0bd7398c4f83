public import QMPCore
public import QMPMock
import Synchronization

/// An in-process transport whose far end a test scripts by hand.
///
/// ```swift
/// let peer = ScriptedPeer()
/// peer.send(#"{"QMP": {"version": {...}, "capabilities": []}}"#)
/// async let greeting = client.connect(peer.transport)
/// let command = try await peer.nextCommand()   // what the client sent
/// peer.reply(to: command, #"{"return": {}}"#)
/// ```
public final class ScriptedPeer: Sendable {
    /// The client's side.
    public let transport: InProcessTransport
    private let server: InProcessTransport
    /// What the client sent, split where braces balance (the client ends no message with a newline).
    private let sent = Lock(MessageFramer())

    public init() {
        (transport, server) = InProcessTransport.makePair()
    }

    /// Sends raw text to the client, exactly as given.
    public func sendRaw(_ text: String) {
        server.write(Array(text.utf8))
    }

    /// Sends raw bytes to the client, valid UTF-8 or not.
    public func transportInject(_ bytes: [UInt8]) {
        server.write(bytes)
    }

    /// Sends one message to the client, CRLF-terminated as QEMU does.
    public func send(_ text: String) {
        sendRaw(text + "\r\n")
    }

    /// Sends the client QEMU 7.2's greeting.
    public func sendGreeting(capabilities: [String] = ["oob"]) {
        let caps = capabilities.map { "\"\($0)\"" }.joined(separator: ", ")
        send(#"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}, "capabilities": [\#(caps)]}}"#)
    }

    /// Ends the stream toward the client (EOF).
    public func closeConnection() {
        server.finishWriting()
    }

    /// The next message the client sent; `nil` when it closed the connection.
    public func nextMessage() async throws -> Message? {
        while true {
            if let frame = try sent.withLock({ framer throws(QMPError) in try framer.nextFrame() }) {
                return try Message(parsing: frame)
            }
            guard let chunk = try await server.receive() else { return nil }
            sent.withLock { $0.append(chunk) }
        }
    }

    /// Waits for the client's `qmp_capabilities` after the greeting and accepts it.
    public func acceptNegotiation(capabilities: [String] = ["oob"]) async throws -> Message? {
        sendGreeting(capabilities: capabilities)
        guard let command = try await nextMessage() else { return nil }
        reply(to: command, #"{"return": {}}"#)
        return command
    }

    /// Sends `body` (a reply object's text without the id) with the id of `command` added.
    public func reply(to command: Message, _ body: String) {
        guard var object = (try? Message(parsing: Array(body.utf8)))?.object else {
            sendRaw(body)
            return
        }
        if let id = command.id { object["id"] = id }
        send(Message(object).description)
    }
}
