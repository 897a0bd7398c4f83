/// The command line of `qmp-shell`.
struct ShellOptions {
    /// Where to find QEMU.
    enum Target: Equatable {
        /// The built-in simulated QEMU, in process.
        case simulator
        case unix(String)
        case tcp(String)
        /// A throwaway `qemu-system-x86_64 -machine none`.
        case launch
    }

    var target: Target = .simulator
    var listen = false
    var pretty = false
    var hmp = false
    var json = false
    var trace = false
    var eventNames: Set<String>?
    var commands: [String] = []

    static let usage = """
    usage: qmp-shell [options] [TARGET]

    An interactive and scriptable QMP client, in the syntax of QEMU's Python qmp-shell.

    TARGET
      (none)              the built-in simulated QEMU, so the shell works anywhere
      PATH                a Unix socket (QEMU: -qmp unix:PATH,server=on,wait=off)
      HOST:PORT           TCP, e.g. localhost:4444, 127.0.0.1:4444 or [::1]:4444
      --launch            start a throwaway qemu-system-x86_64 -machine none and use it

    options
      --listen            wait for QEMU to connect to PATH or HOST:PORT (QEMU: -qmp unix:PATH)
      -c COMMAND          run COMMAND and exit (repeatable; runs in order)
      -p, --pretty        pretty-print replies
      -H, --hmp           HMP mode: lines go to human-monitor-command
      --events NAME,...   print only these events (default: all)
      --json              machine-readable output: one JSON object per line
                          ({"return": ...}, {"error": ...} or the event itself)
      -v, --verbose       trace every message sent and received on stderr
      -h, --help          show this help

    syntax (one command per line)
      query-status                           a command without arguments
      blockdev-add driver=null-co node-name=src size=1048576
      device_add driver=virtio-net id=n1 a.b=1 (a.b=1 nests: {"a": {"b": 1}})
      key=VALUE           VALUE is used as JSON when it parses (1, true, null,
                          "text", [1,2], {"a":1}), otherwise as a string
      {"execute": "query-status"}            raw JSON is sent as it is

    Replies print as JSON; errors as `error: CLASS: DESCRIPTION`. Events print
    as they arrive, with their timestamp. When stdin is not a terminal, lines
    are read from it as a script, without a prompt.

    exit status
      0  every command succeeded
      1  at least one command got an error reply, or a line did not parse
      2  usage error, or QEMU could not be reached

    examples
      swift run qmp-shell                               # try it against the simulator
      qmp-shell /tmp/qmp.sock                           # a real QEMU
      qmp-shell -c query-status --json /tmp/qmp.sock    # one command, for scripts
      printf 'stop\\ncont\\n' | qmp-shell --launch        # a script against a throwaway QEMU
      qmp-shell -H -c 'info version' localhost:4444     # HMP
      qmp-shell --listen /tmp/qmp.sock                  # then: qemu ... -qmp unix:/tmp/qmp.sock
    """

    init(arguments: [String]) throws(UsageError) {
        var iterator = arguments.makeIterator()
        var positional: [String] = []
        var launch = false
        while let argument = iterator.next() {
            switch argument {
            case "-h", "--help": throw UsageError(message: nil)
            case "--listen": listen = true
            case "--launch": launch = true
            case "-p", "--pretty": pretty = true
            case "-H", "--hmp": hmp = true
            case "--json": json = true
            case "-v", "--verbose": trace = true
            case "-c":
                guard let command = iterator.next() else { throw UsageError(message: "-c needs a COMMAND") }
                commands.append(command)
            case "--events":
                guard let names = iterator.next() else { throw UsageError(message: "--events needs NAME,NAME,...") }
                eventNames = Set(names.split(separator: ",").map { String($0).trimmingCharacters(in: " ") })
            default:
                if argument.hasPrefix("-") && argument.count > 1 { throw UsageError(message: "unknown option '\(argument)'") }
                positional.append(argument)
            }
        }
        guard positional.count <= 1 else { throw UsageError(message: "give at most one TARGET, got \(positional.joined(separator: " "))") }
        if launch {
            guard positional.isEmpty, !listen else { throw UsageError(message: "--launch takes no TARGET and no --listen") }
            target = .launch
        } else if let address = positional.first {
            target = Self.looksLikeHostPort(address) ? .tcp(address) : .unix(address)
        } else if listen {
            throw UsageError(message: "--listen needs a PATH or HOST:PORT to listen on")
        }
    }

    /// `HOST:PORT` or `[V6]:PORT`; anything with a slash or without a numeric port is a path.
    private static func looksLikeHostPort(_ text: String) -> Bool {
        guard !text.contains("/"), let colon = text.lastIndex(of: ":") else { return false }
        return !text[text.index(after: colon)...].isEmpty && text[text.index(after: colon)...].allSatisfy(\.isNumber)
    }
}

struct UsageError: Error {
    /// `nil` for `--help`.
    let message: String?
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var result = Substring(self)
        while result.first == set { result.removeFirst() }
        while result.last == set { result.removeLast() }
        return String(result)
    }
}
