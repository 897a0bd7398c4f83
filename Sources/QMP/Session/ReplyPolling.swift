/// Whether a lone command's caller should poll for its own reply, learned from
/// how quickly the peer has been answering.
///
/// Polling pays off only against a peer that answers within the budget: a local
/// simulator or C peer answers in microseconds, QEMU's main loop in hundreds.
/// Each poll that runs out of budget doubles the number of commands that then
/// skip polling, up to ``maxSkipped``; a poll that gets its reply resets it. A
/// slow peer so costs one wasted budget per ``maxSkipped`` commands.
struct ReplyPolling {
    static let maxSkipped = 256

    /// Commands still to go without polling.
    private var toSkip = 0
    /// How many commands the next miss makes skip.
    private var backoff = 1

    /// Whether this command should poll; counts it against the backoff if not.
    mutating func shouldPoll() -> Bool {
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
