/// An asynchronous event sent by QEMU, such as `STOP`, `RESUME` or `JOB_STATUS_CHANGE`.
///
/// ```swift
/// if event.name == "JOB_STATUS_CHANGE", event.data["status"]?.stringValue == "concluded" { … }
/// ```
///
/// An event keeps its parts (``name``, ``data``, ``timestamp``) rather than the
/// whole message: QEMU always sends events in one layout, from which ``message``
/// is rebuilt on demand, byte for byte. Only a message in any other layout
/// (extra members, another order, `"data": null`) is kept as received. That
/// makes an event one reference to copy instead of three, and spares the reader
/// two allocations per event, which matters when listeners queue every event of
/// a flood.
public struct Event: Sendable {
    /// When QEMU emitted the event. Both fields are -1 when QEMU could not read the clock.
    public struct Timestamp: Sendable, Hashable {
        /// Whole seconds since the Unix epoch, on the host's clock.
        public var seconds: Int64
        /// Microseconds within ``seconds``, `0..<1_000_000`.
        public var microseconds: Int64

        /// Creates a timestamp; pass -1 for both to mean "no time", as QEMU does.
        public init(seconds: Int64, microseconds: Int64) {
            self.seconds = seconds
            self.microseconds = microseconds
        }

        /// Whether QEMU supplied a real time (it sends -1/-1 otherwise).
        public var isValid: Bool { seconds >= 0 && microseconds >= 0 }

        var object: JSONObject {
            JSONObject(uniqueMembers: [
                JSONObject.Member(key: "seconds", value: .int(seconds)),
                JSONObject.Member(key: "microseconds", value: .int(microseconds)),
            ])
        }
    }

    /// The event's name, e.g. `"STOP"`.
    public var name: String {
        didSet { received?["event"] = .string(name) }
    }

    /// The `data` member; empty when the event has none.
    public var data: JSONObject {
        didSet { received?["data"] = .object(data) }
    }

    /// When QEMU emitted the event; a field the message lacked is -1 (see ``Timestamp/isValid``).
    public var timestamp: Timestamp {
        didSet { received?["timestamp"] = .object(timestamp.object) }
    }

    /// The message as received, when it is not in QEMU's layout; `nil` when
    /// ``message`` can be rebuilt from the parts.
    // Initialized here, not in the initializers: assigning `nil` there left a copy of the
    // whole event in optimized builds (a retain and release per event read).
    private var received: Message? = nil

    /// Reads an event out of a message of kind ``Message/Kind/event``.
    public init(_ message: Message) throws(QMPError) {
        guard let name = message["event"]?.stringValue else {
            throw QMPError(.malformedMessage, "malformed QMP event (no string 'event' member): \(message)")
        }
        self.name = name
        switch message["data"] {
        case .object(let data)?: self.data = data
        case nil, .null?: self.data = JSONObject()
        case let other?:
            throw QMPError(.malformedMessage, "malformed QMP event \(name): 'data' is \(other.typeName), not an object")
        }
        let stamp = message["timestamp"]
        timestamp = Timestamp(
            seconds: stamp?["seconds"]?.intValue ?? -1,
            microseconds: stamp?["microseconds"]?.intValue ?? -1
        )
        if canonicalMessage != message || !Self.hasCanonicalOrder(message) { received = message }
    }

    /// Creates an event, as a simulated QEMU would emit it.
    public init(name: String, data: JSONObject = [:], timestamp: Timestamp = Timestamp(seconds: -1, microseconds: -1)) {
        self.name = name
        self.data = data
        self.timestamp = timestamp
    }

    /// The message exactly as received (or, for an event made here, as QEMU would send it).
    public var message: Message { received ?? canonicalMessage }

    /// A member of the raw message (`"event"`, `"data"`, `"timestamp"`), as the Python client's `event['data']`.
    public subscript(key: String) -> JSONValue? {
        if let received { return received[key] }
        switch key {
        case "event": return .string(name)
        case "data": return data.isEmpty ? nil : .object(data)
        case "timestamp": return .object(timestamp.object)
        default: return nil
        }
    }

    /// QEMU's layout: timestamp, event, then data unless it is empty.
    private var canonicalMessage: Message {
        var members = [
            JSONObject.Member(key: "timestamp", value: .object(timestamp.object)),
            JSONObject.Member(key: "event", value: .string(name)),
        ]
        if !data.isEmpty { members.append(JSONObject.Member(key: "data", value: .object(data))) }
        return Message(JSONObject(uniqueMembers: members))
    }

    /// Equality of objects ignores member order, which a rebuilt message must not.
    private static func hasCanonicalOrder(_ message: Message) -> Bool {
        let keys = message.object.keys
        let stampKeys = message["timestamp"]?.objectValue?.keys
        return keys.starts(with: ["timestamp", "event"]) && stampKeys == ["seconds", "microseconds"]
    }
}

extension Event: Hashable {
    public static func == (lhs: Event, rhs: Event) -> Bool {
        if lhs.received == nil && rhs.received == nil {
            return lhs.name == rhs.name && lhs.timestamp == rhs.timestamp && lhs.data == rhs.data
        }
        return lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(message)
    }
}

extension Event: CustomStringConvertible {
    public var description: String { message.description }
}
