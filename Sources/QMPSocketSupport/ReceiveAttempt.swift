/// What one non-blocking read of a socket found.
package enum ReceiveAttempt: Sendable, Equatable {
    /// Bytes from the peer, of any size, with no regard for message boundaries.
    case bytes([UInt8])
    /// Nothing yet.
    case wouldBlock
    /// The peer closed the stream, or the socket was closed.
    case endOfStream
}
