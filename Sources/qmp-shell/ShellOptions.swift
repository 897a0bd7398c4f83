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
    /// Speak to a QEMU Guest Agent: no greeting, the agent's handshake instead.
    var agent = false
    var pretty = false
    var hmp = false
    var json = false
    var trace = false
    var eventNames: Set<String>?
    var commands: [String] = []
    /// `-l FILE`: the session is written there as a transcript (QMPMock's format).
    var logPath: String?

    init(arguments: [String]) throws(UsageError) {
        var iterator = arguments.makeIterator()
        var positional: [String] = []
        var launch = false
        var optionsEnded = false
        /// The rest of a group of short flags (`-pH` is `-p -H`, as Python's shell takes it).
        var grouped: [String] = []
        while let next = grouped.isEmpty ? iterator.next() : grouped.removeFirst() {
            if !optionsEnded, next.count > 2, next.hasPrefix("-"), !next.hasPrefix("--") {
                // As getopt reads them: flags without a value, the last of which may take
                // one, from the next argument (`-pc COMMAND`).
                let letters = Array(next.dropFirst())
                for (index, letter) in letters.enumerated() where !Self.groupableFlags.contains(letter) {
                    guard index == letters.count - 1, Self.valueFlags.contains(letter) else {
                        throw UsageError(message: "unknown option '-\(letter)' in '\(next)'")
                    }
                }
                grouped = letters.map { "-\($0)" }
                continue
            }
            // `--events=A,B` is `--events A,B`.
            var argument = next
            var attached: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                attached = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            func value(_ what: String) throws(UsageError) -> String {
                if let attached { return attached }
                guard let value = iterator.next() else { throw UsageError(message: "\(argument) needs \(what)") }
                return value
            }
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positional.append(next)
                continue
            }
            if attached != nil && argument != "--events" && argument != "--log" {
                throw UsageError(message: "\(argument) takes no value")
            }
            switch argument {
            case "--": optionsEnded = true
            case "-h", "--help": throw UsageError(message: nil)
            case "--listen": listen = true
            case "-N", "--agent": agent = true
            case "--launch": launch = true
            case "-p", "--pretty": pretty = true
            case "-H", "--hmp": hmp = true
            case "--json": json = true
            case "-v", "--verbose": trace = true
            case "-c": commands.append(try value("a COMMAND"))
            case "-l", "--log":
                logPath = try value("a FILE")
                if logPath == "" { throw UsageError(message: "\(argument) needs a FILE, not an empty name") }
            case "--events":
                let names = try value("NAME,NAME,...")
                // QEMU's event names are all upper case; accept `stop,resume` too.
                eventNames = Set(names.split(separator: ",").map { String($0).trimmingBlanks().uppercased() })
            default: throw UsageError(message: "unknown option '\(argument)'")
            }
        }
        guard positional.count <= 1 else { throw UsageError(message: "give at most one TARGET, got \(positional.joined(separator: " "))") }
        if launch {
            guard positional.isEmpty, !listen else { throw UsageError(message: "--launch takes no TARGET and no --listen") }
            guard !agent else { throw UsageError(message: "--launch starts QEMU, not a guest agent: give --agent a TARGET") }
            target = .launch
        } else if let address = positional.first {
            target = Self.looksLikeHostPort(address) ? .tcp(address) : .unix(address)
        } else if listen {
            throw UsageError(message: "--listen needs a PATH or HOST:PORT to listen on")
        }
    }

    /// The short flags that take no value, and so can be grouped.
    private static let groupableFlags: Set<Character> = ["h", "N", "p", "H", "v"]
    /// The short flags that take a value: last in a group.
    private static let valueFlags: Set<Character> = ["c", "l"]

    /// `HOST:PORT` or `[V6]:PORT`; anything with a slash or without a numeric port is a path.
    private static func looksLikeHostPort(_ text: String) -> Bool {
        guard !text.contains("/"), let colon = text.lastIndex(of: ":") else { return false }
        return !text[text.index(after: colon)...].isEmpty && text[text.index(after: colon)...].allSatisfy { $0.isASCII && $0.isNumber }
    }
}

struct UsageError: Error {
    /// `nil` for `--help`.
    let message: String?
}
