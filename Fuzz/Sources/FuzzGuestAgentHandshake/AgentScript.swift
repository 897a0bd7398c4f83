import FuzzSupport
import QMP
import QMPMock
import Synchronization

/// Plays one input: a connection to a guest agent, each step one thing the agent
/// or the client does.
struct AgentScript: ClientScript {
    var input: FuzzInput
    let client: QMPClient
    var peer = ScriptPeer()
    let calls = CallTracker()
    private let handshakes = HandshakeProgress()
    /// The number the client's latest guest-sync-delimited asked to be echoed.
    private var token: Int64?
    /// The latest connection attempt, while its handshake runs.
    private var handshake: (attempt: Int, guestInfoSent: Int)?

    init(_ input: FuzzInput) {
        var input = input
        var configuration = QMPClient.Configuration()
        configuration.maxMessageSize = input.byte() & 1 == 0 ? 4096 : 64
        let handshakes = handshakes
        configuration.trace = { record in handshakes.note(record) }
        self.input = input
        client = QMPClient(configuration: configuration)
    }

    /// `nil` too: only disconnect() ends such a handshake with a silent agent.
    private static let timeouts: [Duration?] = [.milliseconds(20), nil, .zero, .milliseconds(2)]

    /// Starts the handshake and returns once the client sent guest-sync-delimited (or
    /// the attempt already ended), noting the number it asked for.
    mutating func connect() async {
        let client = client
        let transport = peer.clientEnd
        let timeout = input.pick(Self.timeouts)
        let attempt = calls.start("connectToGuestAgent") { _ = try await client.connectToGuestAgent(transport, timeout: timeout) }
        let started = await poll(until: { client.runState != .idle || !calls.isRunning(attempt) }, within: .seconds(5))
        require(started, "connectToGuestAgent() neither started a session nor ended within 5 s")
        token = nil
        handshake = (attempt, handshakes.guestInfoSent)
        guard let sync = await peer.nextCommand(within: .milliseconds(50)) else { return }
        require(sync["execute"] == "guest-sync-delimited", "the client's first command is \(sync), not guest-sync-delimited")
        token = sync["arguments"]?["id"]?.intValue
        require(token != nil, "guest-sync-delimited without a number: \(sync)")
    }

    static let ownStepCount = 9

    mutating func ownStep(_ choice: Int) async {
        switch choice {
        case 0, 1:
            await syncAnswer()
        case 2:
            // A line as the agent might send it: garbage, a recorded answer, 0xFF bytes in it.
            peer.sendBytes(input.line())
        case 3:
            peer.sendBytes([0xFF])
        case 4:
            peer.send(input.pick(Self.staleReplies))
        case 5, 6:
            await reply()
        default:
            execute()
        }
    }

    /// What an earlier client left in the channel, or the error the 0xFF reset causes.
    private static let staleReplies = [
        #"{"return": {}, "id": "old"}"#,
        #"{"error": {"class": "GenericError", "desc": "Invalid JSON syntax"}}"#,
        #"{"return": 12345}"#,
        #"{"return": {}, "id": "sync"}"#,
    ]

    /// An answer to guest-sync-delimited: ours, an earlier handshake's, or misshapen;
    /// after the agent's 0xFF or not, with the command's id or not.
    private mutating func syncAnswer() async {
        let token = token ?? 1
        let value = input.pick(["\(token)", "\(token &+ 1)", "\"\(token)\"", "\(token).0", "{}"])
        let id = input.pick([#", "id": "sync""#, "", #", "id": "other""#, #", "id": 0"#])
        let delimiter: [UInt8] = input.choose(4) == 0 ? [] : [0xFF]
        let cut = input.choose(8) == 0
        var text = Array(#"{"return": \#(value)\#(id)}"#.utf8)
        if cut { text = Array(text.prefix(input.choose(text.count))) } else { text += Array("\n".utf8) }
        peer.sendBytes(delimiter + text)
        if value == "\(token)" && !delimiter.isEmpty && !cut { await expectHandshakeDone() }
    }

    /// After the agent's 0xFF and the right answer, whatever came before, the handshake is
    /// over: the client asks for guest-info, or the attempt ended (a timeout, a disconnect,
    /// an end of stream or an oversized message before the answer).
    private func expectHandshakeDone() async {
        guard let handshake, token != nil else { return }
        let done = await poll(until: {
            handshakes.guestInfoSent > handshake.guestInfoSent || !calls.isRunning(handshake.attempt)
        }, within: .seconds(2))
        require(done, "the handshake missed the agent's answer: no guest-info within 2 s")
    }

    /// guest-info's answers: a QEMU-like one, and ones that are empty, misshapen or an error.
    private static let guestInfoBodies = [
        #""return": {"version": "7.2.0", "supported_commands": [{"enabled": true, "name": "guest-ping", "success-response": true}, {"enabled": true, "name": "guest-shutdown", "success-response": false}, {"enabled": false, "name": "guest-suspend-ram", "success-response": false}]}"#,
        #""return": {"version": "9.0.0", "supported_commands": [{"name": "guest-shutdown", "success-response": true}]}"#,
        #""return": {"version": 7, "supported_commands": [{"enabled": "yes", "name": "guest-ping"}, {"name": 1}]}"#,
        #""return": {"supported_commands": []}"#,
        #""return": {"supported_commands": {}}"#,
        #""return": []"#,
        #""error": {"class": "CommandNotFound", "desc": "The command guest-info has not been found"}"#,
    ]

    private static let replyBodies = [
        #""return": {}"#,
        #""return": [1, "two", null]"#,
        #""error": {"class": "GenericError", "desc": "fuzzed"}"#,
        #""error": "not an object""#,
        #""return": {}, "error": {}"#,
    ]

    /// Answers the oldest command not answered yet: with its id, without one, or with
    /// another; guest-shutdown, when it succeeds, gets nothing, as from a real agent.
    private mutating func reply() async {
        guard let command = await peer.nextCommand() else {
            peer.send("{\(input.pick(Self.replyBodies))}")
            return
        }
        let name = command["execute"]?.stringValue
        if name == "guest-shutdown" && input.choose(4) != 0 { return }
        let body = input.pick(name == "guest-info" ? Self.guestInfoBodies : Self.replyBodies)
        switch (command.id, input.choose(4)) {
        case (let id?, 0..<2):
            peer.send(#"{\#(body), "id": \#(id.serialized())}"#)
        case (_, 2):
            peer.send(#"{\#(body), "id": "\#(input.byte())"}"#)
        default:
            peer.send("{\(body)}")
        }
        // Let a connection that waited for this guest-info get going, so the steps that
        // follow meet a running client rather than a race with connectToGuestAgent().
        if name == "guest-info", let attempt = handshake?.attempt {
            _ = await poll(until: { !calls.isRunning(attempt) }, within: .milliseconds(50))
        }
    }

    private mutating func execute() {
        let client = client
        let timeout = input.pick(Self.timeouts)
        let name = input.pick(["guest-ping", "guest-shutdown", "guest-get-time", "guest-suspend-ram", "guest-info"])
        calls.start(name) { _ = try await client.execute(name, timeout: timeout) }
    }
}

/// How far the client's handshakes got, from its trace: a guest-info sent ends one.
final class HandshakeProgress: Sendable {
    private let sent = Mutex(0)

    var guestInfoSent: Int { sent.withLock { $0 } }

    func note(_ record: TraceRecord) {
        if record.direction == .sent && record.text.contains(#""execute":"guest-info""#) { sent.withLock { $0 += 1 } }
    }
}
