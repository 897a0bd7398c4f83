import Synchronization

/// Who may read the transport and handle what it brings: the session's reader task,
/// or a lone command's caller reading its own reply (see ``ReplyWaiting``).
///
/// Neither side ever waits for the other. A caller takes the role only when it is
/// free; the reader, finding it taken, leaves a mark (``Take/missed``) and waits for
/// the transport's next readiness instead of reading. The mark makes the caller read
/// until nothing is left before it lets go (``releaseByCaller()``), so bytes whose
/// readiness the reader saw while the caller held the role are never left unread:
/// everything that arrived before the caller's last read is the caller's, and anything
/// after it brings new readiness, which the reader is waiting for. A caller that finds
/// more and more to read hands it back instead (``handBackByCaller()``) and reports
/// readiness for the reader, which counts readiness from before it tried the role.
final class ReadRole: Sendable {
    private static let free: UInt8 = 0
    private static let reader: UInt8 = 1
    private static let caller: UInt8 = 2
    /// A caller holds it, and the reader found it taken since the caller last read.
    private static let callerMissed: UInt8 = 3

    private let state = Atomic<UInt8>(ReadRole.free)

    enum Take {
        case taken
        /// A caller holds the role and will read again before releasing it.
        case missed
    }

    /// For the reader task, before each read.
    func takeForReader() -> Take {
        while true {
            let (exchanged, current) = state.compareExchange(
                expected: Self.free, desired: Self.reader, ordering: .acquiring)
            if exchanged { return .taken }
            if current == Self.callerMissed { return .missed }
            // Held by a caller: mark it, unless the caller let go meanwhile (then retry).
            if state.compareExchange(expected: Self.caller, desired: Self.callerMissed, ordering: .acquiringAndReleasing).exchanged {
                return .missed
            }
        }
    }

    /// For the reader task, after its read has been handled.
    func releaseByReader() {
        state.store(Self.free, ordering: .releasing)
    }

    /// For a caller: whether it now holds the role; never while the reader reads.
    func takeForCaller() -> Bool {
        state.compareExchange(expected: Self.free, desired: Self.caller, ordering: .acquiring).exchanged
    }

    /// For the caller holding the role: lets go whether or not the reader missed a read,
    /// which the caller then reports to the reader as readiness (see `DirectReadTransport`).
    func handBackByCaller() {
        state.store(Self.free, ordering: .releasing)
    }

    /// For the caller holding the role: lets go and returns `true`, or keeps it and returns
    /// `false` when the reader missed a read meanwhile; the caller must then read until
    /// the transport has nothing more and call this again.
    func releaseByCaller() -> Bool {
        if state.compareExchange(expected: Self.caller, desired: Self.free, ordering: .acquiringAndReleasing).exchanged {
            return true
        }
        // Marked: clear the mark and keep the role for one more read.
        state.store(Self.caller, ordering: .relaxed)
        return false
    }
}
