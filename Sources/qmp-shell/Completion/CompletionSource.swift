import QMP

/// Asks the connected QEMU, once per connection, what Tab can offer.
enum CompletionSource {
    /// QMP: `query-commands` and `query-qmp-schema`; HMP: the command names `help` lists;
    /// a guest agent: the enabled commands `guest-info` lists.
    /// A failing query leaves its part empty: completion is a help, never a reason to fail.
    static func load(from client: QMPClient, hmp: Bool, agent: Bool) async -> Completer {
        if agent {
            let info = try? await client.execute("guest-info")
            let commands = (info?["supported_commands"]?.arrayValue ?? []).filter { $0["enabled"] != false }
            return Completer(commands: commands.compactMap { $0["name"]?.stringValue }, schema: CommandSchema())
        }
        if hmp {
            let help = await hmpText("help", client)
            let info = hmpCommands(await hmpText("help info", client), after: "info")
            return Completer(commands: hmpCommands(help), schema: CommandSchema(), subcommands: info.isEmpty ? [:] : ["info": info])
        }
        let commands = (try? await client.execute("query-commands"))?.arrayValue ?? []
        let names = commands.compactMap { $0["name"]?.stringValue } + ShellCommands.names
        let schema = (try? await client.execute("query-qmp-schema")).map(CommandSchema.init(parsing:)) ?? CommandSchema()
        return Completer(commands: names, schema: schema)
    }

    private static func hmpText(_ command: String, _ client: QMPClient) async -> String {
        (try? await client.execute("human-monitor-command", arguments: ["command-line": .string(command)]))?.stringValue ?? ""
    }

    /// `help` prints `name|alias args -- what it does` a line: the names and aliases.
    /// `help info` prints `info name -- ...`: with `after: "info"`, the names after it.
    static func hmpCommands(_ help: String, after prefix: String? = nil) -> [String] {
        help.split(whereSeparator: \.isNewline).flatMap { line -> [String] in
            var words = line.split(separator: " ")[...]
            if let prefix {
                guard words.first.map(String.init) == prefix else { return [] }
                words = words.dropFirst()
            }
            return (words.first ?? "").split(separator: "|").map(String.init)
        }.filter { $0.first?.isLetter == true }
    }
}
