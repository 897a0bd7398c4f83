public import QMPCore

/// The registry a source dispatches events through. (STUB: completed by the events issue.)
public final class EventHub: Sendable {
    public init() {}
    public func dispatch(_ event: Event) {}
    public func sessionStarted() {}
    public func sessionEnded(error: QMPError) {}
}
extension EventHub {
    public convenience init(eventsPolicy: BufferingPolicy) { self.init() }
}
/// STUB
public struct BufferingPolicy: Sendable {
    public static func bufferingNewest(_ n: Int) -> BufferingPolicy { BufferingPolicy() }
}
