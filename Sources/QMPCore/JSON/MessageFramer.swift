// STUB: replaced by the streaming framer (see issue 2).
/// Splits an inbound byte stream into messages where braces balance.
public struct MessageFramer: Sendable {
    public static let defaultMaxMessageSize = 16 << 20
    public let maxMessageSize: Int
    public init(maxMessageSize: Int = MessageFramer.defaultMaxMessageSize) { self.maxMessageSize = maxMessageSize }
    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Collection<UInt8>) {}
    /// The next complete frame, or `nil` until more bytes arrive.
    public mutating func nextFrame() throws(QMPError) -> ArraySlice<UInt8>? { nil }
}
