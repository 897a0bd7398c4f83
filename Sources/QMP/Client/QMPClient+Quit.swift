import QMPCore

extension QMPClient {
    /// How long a `quit` that QEMU accepted waits for QEMU to close the connection.
    static let quitCloseBudget = Duration.seconds(5)

    /// After QEMU accepted `quit` in `session`: QEMU closes the connection right after its
    /// reply, and the caller should find the client idle, free to connect again, not still
    /// running for the moment until the end of stream is read. Waits for that, at most
    /// ``quitCloseBudget`` and what is left of the command's `deadline`, then ends the
    /// session itself; a cancelled caller does not wait.
    nonisolated(nonsending) func settleQuit(_ command: String, reply: Message, in session: Session, deadline: ContinuousClock.Instant?) async {
        guard command == "quit", !session.isGuestAgent, ErrorReply(reply) == nil else { return }
        let budget = deadline.map { min(Self.quitCloseBudget, max(.zero, $0 - .now)) } ?? Self.quitCloseBudget
        let outcome = await waitForRunState(within: budget) { runState in
            runState == .idle || !holds(session)
        }
        if outcome == .timedOut {
            await session.end(with: .disconnected("QEMU accepted quit but kept the connection open for \(budget)"))
        }
    }
}
