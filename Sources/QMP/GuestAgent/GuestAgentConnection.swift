import QMPCore

/// What a guest agent told the client when it connected (see ``QMPClient/connectToGuestAgent(_:timeout:)``),
/// and how the client speaks to it since.
///
/// Not the agent's own `guest-info` reply: `QMPGuestAgentTypes` decodes that as its
/// generated `GuestAgentInfo`, and the two modules can be imported together.
public struct GuestAgentConnection: Sendable, Hashable {
    /// One entry of the agent's `guest-info` command list.
    public struct Command: Sendable, Hashable {
        /// The command's name, e.g. `"guest-exec"`.
        public var name: String
        /// `false` when the agent was started with the command blocked (`qemu-ga -b`).
        public var isEnabled: Bool
        /// `false` for a command that sends no reply when it succeeds, such as `guest-shutdown`.
        public var sendsSuccessResponse: Bool

        /// Creates an entry.
        public init(name: String, isEnabled: Bool, sendsSuccessResponse: Bool) {
            self.name = name
            self.isEnabled = isEnabled
            self.sendsSuccessResponse = sendsSuccessResponse
        }
    }

    /// The agent's version, e.g. `"7.2.22"`; `nil` when `guest-info` failed.
    public var version: String?
    /// The commands the agent knows; empty when `guest-info` failed.
    public var commands: [Command]
    /// Whether the agent copies each command's `id` into its reply. One that does not is
    /// sent one command at a time, and a timeout or cancellation then ends the session.
    public var echoesIDs: Bool
    /// The commands sent without waiting, since they do not answer on success: the enabled
    /// ones whose ``Command/sendsSuccessResponse`` is `false`, or, when `guest-info` failed,
    /// those the agent's manual names (`guest-shutdown` and the three `guest-suspend-*`).
    public var noReplyCommands: Set<String>

    /// Creates a value, for tests and simulations.
    public init(version: String?, commands: [Command], echoesIDs: Bool, noReplyCommands: Set<String>) {
        self.version = version
        self.commands = commands
        self.echoesIDs = echoesIDs
        self.noReplyCommands = noReplyCommands
    }

    /// Reads a `guest-info` reply's `return`; `nil` when it is not shaped like one.
    init?(guestInfo value: JSONValue, echoesIDs: Bool) {
        guard let list = value["supported_commands"]?.arrayValue else { return nil }
        var commands: [Command] = []
        for entry in list {
            guard let name = entry["name"]?.stringValue else { return nil }
            commands.append(Command(
                name: name,
                isEnabled: entry["enabled"]?.boolValue ?? true,
                // Agents older than the field (QEMU 1.x) list none: the manual's names then.
                sendsSuccessResponse: entry["success-response"]?.boolValue
                    ?? !GuestAgentPolicy.documentedNoReplyCommands.contains(name)
            ))
        }
        self.init(
            version: value["version"]?.stringValue,
            commands: commands,
            echoesIDs: echoesIDs,
            // A blocked command answers with an error, so it is waited for like any other.
            noReplyCommands: Set(commands.filter { $0.isEnabled && !$0.sendsSuccessResponse }.map(\.name))
        )
    }
}
