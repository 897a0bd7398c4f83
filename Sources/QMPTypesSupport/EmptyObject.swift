/// The `{}` QEMU returns from commands that return nothing, and the data of events that carry none.
///
/// Decoding accepts any object, so members a newer QEMU adds do no harm.
public struct EmptyObject: Codable, Sendable, Hashable {
    /// The empty value.
    public init() {}
}
