/// The command line of `qmp-simulator`.
struct SimulatorOptions {
    enum Endpoint {
        case unix(String)
        case tcp(String)
    }

    var endpoint: Endpoint?
    var replay: String?
    /// Serve a simulated QEMU Guest Agent instead of QMP.
    var agent = false
    /// `--proxy UPSTREAM`: the real QEMU's Unix socket to forward to.
    var proxy: String?
    /// `--record FILE`: where the proxy writes the transcript.
    var record: String?

    static let usage = """
    usage: qmp-simulator (--unix PATH | --tcp HOST:PORT) [--replay TRANSCRIPT | --agent]
           qmp-simulator (--unix PATH | --tcp HOST:PORT) --proxy UPSTREAM --record TRANSCRIPT

    Serves a simulated QEMU (QMP 7.2 behaviour: greeting, capabilities
    negotiation, stop/cont with STOP/RESUME, quit, blockdev-backup jobs and
    transactions of them, ...)
    to clients one after another, until SIGTERM or SIGINT; then removes its
    socket and exits 0. Any QMP client in any language can test against it.

      --unix PATH           listen on a Unix socket at PATH
      --tcp HOST:PORT       listen on TCP, e.g. 127.0.0.1:4444 or [::1]:4444
      --replay TRANSCRIPT   play a recorded session (see QMPMock's transcript
                            format) to each client instead of simulating
      --agent               serve a simulated QEMU Guest Agent instead (guest-sync-delimited,
                            guest-ping, guest-info, guest-exec of echo and cat, guest-file-*
                            in memory; guest-shutdown answers nothing and does nothing)
      --proxy UPSTREAM      instead of simulating, forward every byte both ways to
                            the real QEMU listening at UPSTREAM (a Unix socket PATH
                            or HOST:PORT); between Unix sockets, the descriptors
                            clients attach (getfd, add-fd) too
      --record TRANSCRIPT   with --proxy: write each session as a transcript
                            (the first to TRANSCRIPT, the next to TRANSCRIPT.2, ...)
                            that --replay serves
      -h, --help            show this help

    examples:
      qmp-simulator --unix /tmp/qmp.sock &
      qmp-shell /tmp/qmp.sock
      qmp-simulator --tcp 127.0.0.1:4444 --replay Tests/QMPMockTests/Transcripts/stop-cont.qmp
      qmp-simulator --unix /tmp/qga.sock --agent & qmp-shell --agent /tmp/qga.sock
      qmp-simulator --unix /tmp/rec.sock --proxy /tmp/qemu.sock --record session.qmp
    """

    init(arguments: [String]) throws(UsageError) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "-h", "--help": throw UsageError(message: nil)
            case "--unix":
                guard let path = iterator.next() else { throw UsageError(message: "--unix needs a PATH") }
                endpoint = .unix(path)
            case "--tcp":
                guard let address = iterator.next() else { throw UsageError(message: "--tcp needs HOST:PORT") }
                endpoint = .tcp(address)
            case "--agent": agent = true
            case "--replay":
                guard let path = iterator.next() else { throw UsageError(message: "--replay needs a TRANSCRIPT path") }
                replay = path
            case "--proxy":
                guard let path = iterator.next() else { throw UsageError(message: "--proxy needs the UPSTREAM socket path") }
                proxy = path
            case "--record":
                guard let path = iterator.next() else { throw UsageError(message: "--record needs a TRANSCRIPT path") }
                record = path
            default:
                throw UsageError(message: "unknown argument '\(argument)'")
            }
        }
        guard endpoint != nil else { throw UsageError(message: "give --unix PATH or --tcp HOST:PORT") }
        guard !(agent && replay != nil) else { throw UsageError(message: "--agent and --replay exclude each other") }
        if proxy != nil || record != nil {
            guard proxy != nil, record != nil, replay == nil, !agent else {
                throw UsageError(message: "--proxy and --record go together, without --replay or --agent")
            }
        }
    }
}

struct UsageError: Error {
    /// `nil` for `--help`, which prints the usage and succeeds.
    let message: String?
}
