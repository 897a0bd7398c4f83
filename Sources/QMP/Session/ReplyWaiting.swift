/// Whether a lone command's caller should read its own reply, learned from how
/// commands are being sent and how quickly the peer has been answering.
///
/// Reading its own reply spares the thread wakeups that otherwise carry it over
/// (see ``QMPClient/Configuration/replyWait``), but the caller's thread waits in the
/// kernel meanwhile, so it pays only when commands go one at a time and the peer
/// answers within the budget. A command reads its own reply only when the one before
/// it was also sent with nothing else in flight, so a pipeline that drains for a
/// moment does not park a thread while its other tasks wait. Each wait that runs out
/// doubles the number of lone commands that then go without, up to ``maxSkipped``;
/// one answered in time resets it. A slow peer so costs one spent budget per
/// ``maxSkipped`` commands.
struct ReplyWaiting {
    static let maxSkipped = 256

    /// Lone commands still to go without.
    private var toSkip = 0
    /// How many lone commands the next miss makes skip.
    private var backoff = 1
    /// Whether the previous command was sent with nothing else in flight.
    private var previousWasAlone = false

    /// Whether a command being sent now should read its own reply, given whether it is alone.
    mutating func shouldWait(alone: Bool) -> Bool {
        defer { previousWasAlone = alone }
        guard alone && previousWasAlone else { return false }
        guard toSkip == 0 else {
            toSkip -= 1
            return false
        }
        return true
    }

    /// Records how a wait ended.
    mutating func record(answered: Bool) {
        if answered {
            backoff = 1
        } else {
            toSkip = backoff
            backoff = min(backoff * 2, Self.maxSkipped)
        }
    }
}
