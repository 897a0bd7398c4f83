extension ShellOptions {
    /// `qmp-shell --help`.
    static let usage = """
    usage: qmp-shell [options] [TARGET]

    An interactive and scriptable QMP client, in the syntax of QEMU's Python qmp-shell.

    TARGET
      (none)              the built-in simulated QEMU, in process, so the shell works anywhere
      PATH                a Unix socket (QEMU: -qmp unix:PATH,server=on,wait=off)
      HOST:PORT           TCP, e.g. localhost:4444, 127.0.0.1:4444 or [::1]:4444
                          (QEMU: -qmp tcp:HOST:PORT,server=on,wait=off); a path
                          that looks like HOST:PORT can be given as ./NAME:1234
      --launch            start a throwaway qemu-system-x86_64 -machine none and use it;
                          its socket is removed once connected, and QEMU is killed
                          when the shell exits (even when the shell is killed with SIGKILL)

    options
      -N, --agent         TARGET is a QEMU Guest Agent (qemu-ga), e.g. the host end of a
                          virtserialport chardev, not QMP: no greeting, the agent's
                          guest-sync-delimited handshake instead (no TARGET: a built-in
                          simulated agent); the syntax is the same (guest-ping, guest-info)
      --listen            wait for QEMU to connect to PATH or HOST:PORT
                          (QEMU: -qmp unix:PATH or -qmp tcp:HOST:PORT, client mode)
      -c COMMAND          run COMMAND and exit (repeatable: they run in order; stdin is not read)
      -p, --pretty        pretty-print replies
      -H, --hmp           HMP mode: each line is sent as human-monitor-command and the
                          text QEMU prints is shown (raw JSON lines are still QMP)
      --events NAME,...   print only these events (case does not matter; '' prints none)
      --json              machine-readable output, one JSON object per line:
                          {"return": ...}, {"error": {"class": ..., "desc": ...}}, or
                          the event as QEMU sent it; banners go nowhere, but for
                          the simulator's (no TARGET), which goes to stderr
      -v, --verbose       trace every message sent and received on stderr (of one
                          received, the first 4 KB)
      -l, --log FILE      write the session to FILE as a transcript (greeting, every
                          message both ways, events) that qmp-simulator --replay FILE
                          serves and QMPMock's ReplayTransport plays back; on a terminal
                          it includes the query-commands and query-qmp-schema that
                          completion sends first
      -h, --help          show this help
      --                  end of options (for a PATH starting with '-')

    syntax (one command per line)
      query-status                           a command without arguments
      blockdev-add driver=null-co node-name=src size=1048576
      x a.b=1 a.c=2                          dotted keys nest: {"a": {"b": 1, "c": 2}}
      key=VALUE           VALUE is JSON when it parses as JSON (1, -2.5, true, null,
                          "quoted text", [1,2], {"a": 1}); Python literals work too
                          ('text', True, None, {'a': 'b'}); anything else is a string
                          (name=vm1 path=/tmp/x). Quote numbers meant as strings: id="1"
      {"execute": "query-status"}            raw JSON is sent as it is
      transaction(                           a transaction, one action per line:
        block-dirty-bitmap-add node=d0 name=b1   (prompt TRANS>)
        block-dirty-bitmap-clear node=d0 name=b0
      )                                      sends {"execute": "transaction", ...}
      transaction( abort )                   or all on one line
      # a comment                            blank lines and comments are skipped
      qom-tree [PATH]                        the QOM objects under PATH (default /) with
                                             their types, from qom-list

    on a terminal
      Left/Right, Home/End (Ctrl-A/E), Backspace/Delete, Ctrl-K/U/W cut to the end, to
      the start, a word (Ctrl-Y pastes it back), Ctrl-L clears the screen, Ctrl-C drops
      the line (on an empty line: quits, or drops an open transaction; while a command
      waits for its reply: gives it up), Ctrl-D on an empty line quits.
      Up/Down and Ctrl-R (search) go through the history, kept in ~/.qmp-shell_history
      (Python's qmp-shell's file; ~/.qmp-shell_hmp_history with -H), newest 1,024 lines.
      Tab completes command names, argument names (dotted for nested ones) and values
      from the connected QEMU's query-commands and query-qmp-schema (with -H: command
      names and info subcommands from help; with --agent: guest-info's commands);
      when it cannot go further, it lists what fits.

    Replies print as JSON, errors as `error: CLASS: DESCRIPTION`, bad lines as
    `error: syntax: ...`. Events print as they arrive, as `[SECONDS.MICROS] NAME DATA`;
    at the prompt the line is cleared, the event printed and the prompt drawn again.
    When stdin is not a terminal, its lines are run as a script without a prompt, and
    events print in the order they came on the wire, before the reply that followed them.
    `quit` ends the session once QEMU closes the connection.

    exit status
      0    every command succeeded
      1    at least one command got an error reply, or a line did not parse
      2    usage error, QEMU could not be reached, or the connection was lost
           (other than after quit)
      130  interrupted (Ctrl-C); 143 terminated (SIGTERM); 129 hung up

    examples
      swift run qmp-shell                               # try it against the simulator
      qmp-shell /tmp/qmp.sock                           # a real QEMU
      qmp-shell -c query-status --json /tmp/qmp.sock    # one command, for scripts
      printf 'stop\\ncont\\n' | qmp-shell --launch        # a script against a throwaway QEMU
      qmp-shell -H -c 'info version' localhost:4444     # HMP
      qmp-shell --events STOP,RESUME [::1]:4444         # only these events
      qmp-shell --listen /tmp/qmp.sock                  # then: qemu ... -qmp unix:/tmp/qmp.sock
    """
}
