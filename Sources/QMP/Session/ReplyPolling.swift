/// Whether a lone command's caller should poll for its own reply, learned from
/// how commands are being sent and how quickly the peer has been answering.
///
/// Polling pays off only when commands go one at a time and the peer answers
/// within the budget: a local simulator or C peer answers in microseconds, QEMU's
/// main loop in hundreds. A command polls only when the one before it was also
/// sent with nothing else in flight, so a pipeline that drains for a moment
/// does not park a pool thread in a poll while its other tasks wait for one
/// (that cost 64-way pipelining up to half its rate). Each poll that runs out
/// of budget doubles the number of lone commands that then skip polling, up
/// to ``maxSkipped``; a poll that gets its reply resets it. A slow peer so
/// costs one wasted budget per ``maxSkipped`` commands.
struct ReplyPolling {
    static let maxSkipped = 256

    /// Lone commands still to go without polling.
    private var toSkip = 0
    /// How many lone commands the next miss makes skip.
    private var backoff = 1
    /// Whether the previous command was sent with nothing else in flight.
    private var previousWasAlone = false

    /// Whether a command being sent now should poll, given whether it is alone.
    mutating func shouldPoll(alone: Bool) -> Bool {
        defer { previousWasAlone = alone }
        guard alone && previousWasAlone else { return false }
        guard toSkip == 0 else {
            toSkip -= 1
            return false
        }
        return true
    }

    /// Records how a poll ended.
    mutating func record(answered: Bool) {
        if answered {
            backoff = 1
        } else {
            toSkip = backoff
            backoff = min(backoff * 2, Self.maxSkipped)
        }
    }
}
