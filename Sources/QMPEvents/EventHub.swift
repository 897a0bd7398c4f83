public import QMPCore

/// The registry a source dispatches events through. (STUB: completed by the events issue.)
public final class EventHub: Sendable {
    public init() {}
    public func dispatch(_ event: Event) {}
    public func sessionStarted() {}
    public func sessionEnded(error: QMPError) {}
}
