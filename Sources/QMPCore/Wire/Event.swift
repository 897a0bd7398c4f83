/// An asynchronous event sent by QEMU, such as `STOP`, `RESUME` or `JOB_STATUS_CHANGE`.
///
/// ```swift
/// if event.name == "JOB_STATUS_CHANGE", event.data["status"]?.stringValue == "concluded" { … }
/// ```
public struct Event: Sendable, Hashable {
    /// When QEMU emitted the event. Both fields are -1 when QEMU could not read the clock.
    public struct Timestamp: Sendable, Hashable {
        public var seconds: Int64
        public var microseconds: Int64

        public init(seconds: Int64, microseconds: Int64) {
            self.seconds = seconds
            self.microseconds = microseconds
        }

        /// Whether QEMU supplied a real time (it sends -1/-1 otherwise).
        public var isValid: Bool { seconds >= 0 && microseconds >= 0 }
    }

    /// The event's name, e.g. `"STOP"`.
    public var name: String
    /// The `data` member; empty when the event has none.
    public var data: JSONObject
    public var timestamp: Timestamp
    /// The message exactly as received.
    public var message: Message

    /// Reads an event out of a message of kind ``Message/Kind/event``.
    public init(_ message: Message) throws(QMPError) {
        guard let name = message["event"]?.stringValue else {
            throw QMPError(.malformedMessage, "malformed QMP event (no string 'event' member): \(message)")
        }
        self.name = name
        self.message = message
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
    }

    /// Creates an event, as a simulated QEMU would emit it.
    public init(name: String, data: JSONObject = [:], timestamp: Timestamp = Timestamp(seconds: -1, microseconds: -1)) {
        // QEMU's member order, so simulated events read like real ones.
        var object: JSONObject = [
            "timestamp": ["seconds": .int(timestamp.seconds), "microseconds": .int(timestamp.microseconds)],
            "event": .string(name),
        ]
        if !data.isEmpty { object["data"] = .object(data) }
        self.name = name
        self.data = data
        self.timestamp = timestamp
        self.message = Message(object)
    }

    /// A member of the raw message (`"event"`, `"data"`, `"timestamp"`), as the Python client's `event['data']`.
    public subscript(key: String) -> JSONValue? { message[key] }
}

extension Event: CustomStringConvertible {
    public var description: String { message.description }
}
