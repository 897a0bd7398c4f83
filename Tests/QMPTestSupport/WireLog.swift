public import QMP
import QMPCore
import Synchronization

/// The last messages of a session, for a failing test to show what crossed the wire.
///
/// ```swift
/// let log = WireLog()
/// let client = QMPClient(configuration: log.configuration())
/// … on failure: Issue.record("\(error)\n\(log)")
/// ```
public final class WireLog: Sendable, CustomStringConvertible {
    private let lines = Lock<[String]>([])
    private let limit: Int

    public init(keeping limit: Int = 40) {
        self.limit = limit
    }

    /// A client configuration whose trace feeds this log.
    public func configuration(_ base: QMPClient.Configuration = QMPClient.Configuration()) -> QMPClient.Configuration {
        var configuration = base
        configuration.trace = { [self] record in
            let arrow = record.direction == .sent ? "->" : "<-"
            lines.withLock { lines in
                lines.append("\(arrow) \(record.text)")
                if lines.count > limit { lines.removeFirst(lines.count - limit) }
            }
        }
        return configuration
    }

    public var description: String {
        "last messages on the wire:\n" + lines.withLock { $0.joined(separator: "\n") }
    }
}
