import QMPCore

/// What a session sends: a message its caller built, or a command that `execute` names,
/// written straight to bytes without building a message first (that spares an
/// allocation and a copy of the members per command).
enum OutgoingCommand: Sendable {
    case message(Message)
    case execute(name: String, arguments: JSONObject? = nil, outOfBand: Bool = false)

    /// The id the caller chose, if any (`execute` never chooses one).
    var id: JSONValue? {
        if case .message(let message) = self { return message.id }
        return nil
    }

    var isOutOfBand: Bool {
        switch self {
        case .message(let message): return message.object["exec-oob"] != nil
        case .execute(_, _, let outOfBand): return outOfBand
        }
    }

    /// The bytes to write, ending with `id` as the last member, or with no id at all when
    /// `id` is `nil` (a message's own is then taken out: its reply is matched in order).
    /// Compact, with no line end: QEMU splits its input where braces balance, and reads it
    /// a byte at a time (see ``CommandID``).
    func serializedBytes(id: JSONValue?) -> [UInt8] {
        switch self {
        case .message(var message):
            if message.id != nil && message.id != id { message["id"] = nil }
            if let id, message.id == nil { message.appendID(id) }
            return message.serializedBytes()
        case .execute(let name, let arguments, let outOfBand):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(64)
            bytes.append(contentsOf: outOfBand ? #"{"exec-oob":"#.utf8 : #"{"execute":"#.utf8)
            JSONValue.string(name).appendSerialized(to: &bytes)
            // Empty arguments are left out: every byte costs QEMU time.
            if let arguments, !arguments.isEmpty {
                bytes.append(contentsOf: #","arguments":"#.utf8)
                JSONValue.object(arguments).appendSerialized(to: &bytes)
            }
            if let id {
                bytes.append(contentsOf: #","id":"#.utf8)
                id.appendSerialized(to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
            return bytes
        }
    }
}
