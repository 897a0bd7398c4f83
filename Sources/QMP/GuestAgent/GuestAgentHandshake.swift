import QMPCore

/// The guest agent's resynchronisation, run on the transport before the session starts.
///
/// A guest agent's channel outlives its clients: a virtio-serial port keeps what an earlier
/// client left unread, and the agent may still hold half a command from it. So the client
/// first sends the byte 0xFF, which resets the agent's parser (it answers with a parse
/// error), then `guest-sync-delimited` with a random number; the agent answers with 0xFF
/// and that number. Everything up to that 0xFF is stale, as is every answer whose number
/// differs (an earlier client's handshake). Whether the answer carries the command's `id`
/// tells whether the agent echoes ids.
struct GuestAgentHandshake {
    static let delimiter: UInt8 = 0xFF
    private static let syncID: JSONValue = "sync"

    let transport: any Transport
    let configuration: QMPClient.Configuration

    /// Runs the handshake; returns whether the agent echoes ids. Bytes after the answer are
    /// dropped: the agent sends nothing unasked, so they cannot answer anything of ours.
    /// - Throws: ``QMPError/Code/disconnected`` when the agent closes first, or what the
    ///   transport or the framer (``QMPError/Code/messageTooLarge``) throws.
    func run() async throws(QMPError) -> Bool {
        let token = Int64.random(in: 1...Int64(Int32.max))
        let command = Message([
            "execute": "guest-sync-delimited", "arguments": ["id": .int(token)], "id": Self.syncID,
        ])
        trace(.sent, "\\xFF")
        trace(.sent, command.description)
        do {
            try await transport.send([Self.delimiter] + command.serializedBytes())
        } catch {
            throw Session.connectionLost(Self.transportError(error), doing: "sending guest-sync-delimited")
        }
        var framer = MessageFramer(maxMessageSize: configuration.maxMessageSize)
        var afterDelimiter = false
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await transport.receive()
            } catch {
                throw Session.connectionLost(Self.transportError(error), doing: "waiting for guest-sync-delimited")
            }
            guard let chunk else {
                throw QMPError(.disconnected, "the guest agent closed the connection before answering guest-sync-delimited")
            }
            framer.append(chunk)
            while true {
                if !afterDelimiter {
                    guard framer.discard(through: Self.delimiter, orAll: true) else { break }
                    afterDelimiter = true
                    trace(.received, "\\xFF")
                }
                let next: (message: Message, bytes: ArraySlice<UInt8>)?
                do {
                    next = try framer.nextMessage(maxDepth: configuration.maxDepth)
                } catch where error.code == .malformedMessage {
                    afterDelimiter = false
                    continue
                }
                guard let (message, bytes) = next else {
                    // Half a message, then another 0xFF: the half was cut off (a restarted agent).
                    if framer.discard(through: Self.delimiter, orAll: false) {
                        trace(.received, "\\xFF")
                        continue
                    }
                    break
                }
                trace(.received, String(decoding: bytes, as: UTF8.self))
                afterDelimiter = false
                if message["return"]?.intValue == token { return message.id == Self.syncID }
            }
        }
    }

    private func trace(_ direction: TraceRecord.Direction, _ text: String) {
        configuration.trace?(TraceRecord(direction: direction, text: text))
    }

    private static func transportError(_ error: any Error) -> QMPError {
        (error as? QMPError) ?? QMPError(.transportFailed, "\(error)")
    }
}
