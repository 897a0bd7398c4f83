/// How a session speaks to a guest agent, beyond what QMP needs.
struct GuestAgentPolicy: Sendable {
    /// Whether the agent copies a command's `id` into its reply; found in the handshake.
    /// An agent that does not is sent one command at a time, without ids.
    var echoesIDs = true
    /// Commands that send no reply when they succeed: they are sent without waiting.
    var noReplyCommands: Set<String> = GuestAgentPolicy.documentedNoReplyCommands

    /// The commands the agent's reference manual (qemu-ga-ref(7), QEMU 7.2) says do not
    /// answer on success, for an agent whose `guest-info` cannot be read.
    static let documentedNoReplyCommands: Set<String> = [
        "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
    ]
}
