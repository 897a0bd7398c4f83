/// The `{}` QEMU returns from commands that return nothing, and the data of events that carry none.
///
/// Decoding accepts any object, so members a newer QEMU adds do no harm.
public struct EmptyObject: Codable, Sendable, Hashable {
    /// The empty value.
    public init() {}

    /// Decodes any object; anything else (an array, `null`) is a type mismatch.
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: NoKeys.self)
    }

    /// Encodes `{}`.
    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: NoKeys.self)
    }

    private enum NoKeys: CodingKey {}
}
