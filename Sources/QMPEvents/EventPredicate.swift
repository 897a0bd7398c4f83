public import QMPCore

/// Decides which events a listener hears. (STUB: completed by the events issue.)
public protocol EventPredicate: Sendable {
    func accepts(_ event: Event) -> Bool
}
