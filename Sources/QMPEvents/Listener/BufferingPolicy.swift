/// How many undelivered events a ``Listener`` keeps, and which it drops when full.
///
/// The socket reader never waits for a listener: replies and events share one
/// connection, so a listener nobody drains would otherwise stall every
/// command. Each listener bounds its own queue instead, and counts what it drops
/// in ``Listener/droppedCount``.
public struct BufferingPolicy: Sendable, Hashable, CustomStringConvertible {
    enum Storage: Sendable, Hashable {
        case unbounded
        case oldest(Int)
        case newest(Int)
    }

    let storage: Storage

    /// Keep every event until it is read. The default for user listeners, as in Python's qemu.qmp.
    public static let unbounded = BufferingPolicy(storage: .unbounded)

    /// Keep the first `limit` unread events; later ones are dropped until the consumer catches up.
    public static func bufferingOldest(_ limit: Int) -> BufferingPolicy {
        BufferingPolicy(storage: .oldest(max(0, limit)))
    }

    /// Keep the latest `limit` unread events; the oldest unread one is dropped to make room.
    public static func bufferingNewest(_ limit: Int) -> BufferingPolicy {
        BufferingPolicy(storage: .newest(max(0, limit)))
    }

    /// The policy as it is written in Swift: `unbounded`, `bufferingOldest(100)`, `bufferingNewest(1000)`.
    public var description: String {
        switch storage {
        case .unbounded: return "unbounded"
        case .oldest(let limit): return "bufferingOldest(\(limit))"
        case .newest(let limit): return "bufferingNewest(\(limit))"
        }
    }
}
