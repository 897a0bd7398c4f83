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

    /// The most bytes read before the answer. What an earlier client left unread is at most
    /// a few of its replies, each within ``QMPClient/Configuration/maxMessageSize``; a peer
    /// that sends more is not a guest agent resynchronising, and waiting on would be endless.
    var staleLimit: Int {
        let (limit, overflow) = configuration.maxMessageSize.multipliedReportingOverflow(by: 4)
        return overflow ? .max : limit
    }

    /// Runs the handshake; returns whether the agent echoes ids. Bytes after the answer are
    /// dropped: the agent sends nothing unasked, so they cannot answer anything of ours.
    /// - Throws: ``QMPError/Code/disconnected`` when the agent closes first,
    ///   ``QMPError/Code/cancelled``, ``QMPError/Code/messageTooLarge`` when more than
    ///   ``staleLimit`` bytes come before the answer, or what the transport or the framer throws.
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
        // A fresh framer after each 0xFF, none before the first: whatever came before a 0xFF
        // (a message cut off half-way, bytes of no message, another 0xFF) is stale.
        var framer: MessageFramer?
        // What came before the first 0xFF, read only to tell a QMP monitor's greeting.
        var preamble: MessageFramer? = MessageFramer(maxMessageSize: Self.preambleLimit)
        var received = 0
        while true {
            // A peer that floods the channel has a chunk ready at every read, and this loop
            // would never suspend: the deadline's timer, and every other task on this
            // thread, would wait for it.
            await Task.yield()
            if Task.isCancelled { throw QMPError.cancelled("connecting") }
            let chunk: [UInt8]?
            do {
                chunk = try await transport.receive()
            } catch {
                throw Session.connectionLost(Self.transportError(error), doing: "waiting for guest-sync-delimited")
            }
            guard let chunk else {
                throw QMPError(.disconnected, "the guest agent closed the connection before answering guest-sync-delimited")
            }
            received += chunk.count
            if received > staleLimit {
                throw QMPError(.messageTooLarge, "the guest agent sent more than \(staleLimit) bytes without answering guest-sync-delimited")
            }
            var rest = chunk[...]
            while !rest.isEmpty {
                let delimiter = rest.firstIndex(of: Self.delimiter)
                if framer == nil, preamble != nil {
                    try Self.refuseQMPGreeting(in: &preamble, rest[..<(delimiter ?? rest.endIndex)])
                }
                if let answer = try answer(in: &framer, after: rest[..<(delimiter ?? rest.endIndex)], token: token) {
                    return answer.id == Self.syncID
                }
                guard let delimiter else { break }
                // A greeting comes first: after the agent's first 0xFF nothing is one.
                preamble = nil
                trace(.received, "\\xFF")
                framer = MessageFramer(maxMessageSize: configuration.maxMessageSize)
                rest = rest[(delimiter + 1)...]
            }
        }
    }

    /// Adds `bytes` to what followed the latest 0xFF; the message there when it answers
    /// `token`. The framer is dropped once it has read one message or hit bytes of none:
    /// after an earlier handshake's answer or noise, only the next 0xFF can start ours.
    private func answer(in framer: inout MessageFramer?, after bytes: ArraySlice<UInt8>, token: Int64) throws(QMPError) -> Message? {
        guard var current = framer else { return nil }
        framer = nil
        current.append(bytes)
        let next: (message: Message, bytes: ArraySlice<UInt8>)?
        do {
            next = try current.nextMessage(maxDepth: configuration.maxDepth)
        } catch where error.code == .malformedMessage {
            return nil
        }
        guard let (message, text) = next else {
            framer = current
            return nil
        }
        trace(.received, String(decoding: text, as: UTF8.self))
        return message["return"]?.intValue == token ? message : nil
    }

    /// The most bytes before the agent's first 0xFF looked at for a greeting: QEMU's is under 200.
    static let preambleLimit = 4096

    /// Throws when the bytes before the first 0xFF hold QEMU's `{"QMP": …}` greeting: the
    /// peer is a QMP monitor, which would never answer, and the caller would wait out its
    /// whole timeout. Stops looking (`preamble` becomes `nil`) at the first message that is
    /// not one, or at bytes of no message: an agent's stale output is then all it can be.
    private static func refuseQMPGreeting(in preamble: inout MessageFramer?, _ bytes: ArraySlice<UInt8>) throws(QMPError) {
        guard var framer = preamble else { return }
        preamble = nil
        framer.append(bytes)
        let frame: ArraySlice<UInt8>?
        do {
            frame = try framer.nextFrame()
        } catch {
            return
        }
        guard let frame else {
            preamble = framer
            return
        }
        if let message = try? Message(parsing: frame), message["QMP"] != nil {
            throw QMPError(
                .connectionFailed,
                "the peer greeted with QMP: it is a QEMU monitor, not a guest agent; connect to it with connect(_:), not connectToGuestAgent(_:)"
            )
        }
    }

    private func trace(_ direction: TraceRecord.Direction, _ text: String) {
        configuration.trace?(TraceRecord(direction: direction, text: text))
    }

    private static func transportError(_ error: any Error) -> QMPError {
        (error as? QMPError) ?? QMPError(.transportFailed, "\(error)")
    }
}
