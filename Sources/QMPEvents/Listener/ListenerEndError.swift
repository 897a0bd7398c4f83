import QMPCore

extension QMPError {
    /// The error a ``Listener``'s readers get for the end of the session that ended with
    /// this one: ``QMPError/Code/disconnected``, whatever ended it, with the cause's code
    /// and message kept in the message (and its other fields kept as they are).
    ///
    /// A session can end with another code: `timedOut` or `cancelled` for a `connect()`
    /// that timed out or whose task was cancelled, `malformedMessage` for garbage from the
    /// peer. Those belong to the call that failed, not to a reader of a listener, who was
    /// neither cancelled nor timed out: passed on as they were, a `get()` reported a
    /// timeout it never set, and `for try await` (which rethrows `cancelled` as the
    /// reading task's own cancellation) threw instead of finishing.
    var asListenerSessionEnd: QMPError {
        guard code != .disconnected else { return self }
        var ended = self
        ended.code = .disconnected
        ended.message = "the session ended (\(code)): \(message)"
        return ended
    }
}
