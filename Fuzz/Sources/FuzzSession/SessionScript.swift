import FuzzSupport
import QMP
import QMPMock

/// Plays one input: each step is one thing the peer or the client does.
struct SessionScript: ClientScript {
    var input: FuzzInput
    let client: QMPClient
    var peer: ScriptPeer
    let calls = CallTracker()

    init(_ input: FuzzInput) {
        var input = input
        let setup = input.byte()
        self.input = input
        var configuration = QMPClient.Configuration()
        configuration.connectTimeout = .milliseconds(500)
        configuration.maxMessageSize = 4096
        configuration.negotiateOOB = setup & 0x80 == 0
        configuration.eventsPolicy = [.unbounded, .bufferingNewest(2), .bufferingOldest(2)][Int(setup) % 3]
        client = QMPClient(configuration: configuration)
        peer = ScriptPeer()
    }

    /// Starts connecting and returns once the client is no longer idle (or the
    /// attempt already ended), so that a disconnect() that follows ends it.
    func connect() async {
        let client = client
        let transport = peer.clientEnd
        let attempt = calls.start("connect") { _ = try await client.connect(transport) }
        let started = await poll(until: { client.runState != .idle || !calls.isRunning(attempt) }, within: .seconds(5))
        require(started, "connect() neither started a session nor ended within 5 s")
    }

    static let ownStepCount = 9

    mutating func ownStep(_ choice: Int) async {
        switch choice {
        case 0:
            peer.send(input.pick(Self.greetings))
        case 1:
            peer.sendBytes(input.take(Int(input.byte())))
        case 2, 3:
            execute()
        case 4, 5:
            await reply(withID: true)
        case 6:
            await reply(withID: false)
        case 7:
            let name = input.pick(["STOP", "RESUME", "SHUTDOWN", "X"])
            let seconds = input.pick(["1", "-1", "1.5", "\"1\"", "99999999999999999999"])
            peer.send(input.pick([
                #"{"timestamp": {"seconds": \#(seconds), "microseconds": 2}, "event": "\#(name)"}"#,
                #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "\#(name)", "data": {"a": [1, {}]}}"#,
                #"{"event": "\#(name)", "data": 3}"#,
                #"{"data": {}, "event": "\#(name)", "timestamp": {"microseconds": 0, "seconds": 0}}"#,
            ]))
        default:
            listen()
        }
    }

    private static let greetings = [
        #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}"#,
        #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#,
        #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": -7}}, "capabilities": "oob"}}"#,
        #"{"QMP": {}}"#,
        #"{"QMP": 1, "id": "0"}"#,
    ]

    private static let timeouts: [Duration?] = [nil, .zero, .microseconds(100), .milliseconds(2)]

    private mutating func execute() {
        let client = client
        let timeout = input.pick(Self.timeouts)
        switch input.choose(4) {
        case 0:
            let id = input.pick(["0", "1", "2", "k"])
            let message = Message(["execute": "query-status", "id": .string(id)])
            calls.start("executeMessage") { _ = try await client.executeMessage(message, timeout: timeout) }
        default:
            let name = input.pick(["query-status", "stop", "qmp_capabilities"])
            let oob = input.choose(4) == 0
            calls.start(name) { _ = try await client.execute(name, oob: oob, timeout: timeout) }
        }
    }

    private mutating func reply(withID: Bool) async {
        let body = input.pick([
            #""return": {}"#,
            #""return": [1, "two", null]"#,
            #""error": {"class": "GenericError", "desc": "fuzzed"}"#,
            #""error": "not an object""#,
            #""return": {}, "error": {}"#,
            #""id": 7"#,
        ])
        guard withID else {
            peer.send("{\(body)}")
            return
        }
        let command = await peer.nextCommand()
        switch (command?.id, input.choose(4)) {
        case (let id?, 0..<3):
            peer.send(#"{\#(body), "id": \#(id.serialized())}"#)
        case (_, 3):
            peer.send(#"{\#(body), "id": "\#(input.byte())"}"#)
        default:
            peer.send("{\(body)}")
        }
    }

    private mutating func listen() {
        let client = client
        let timeout = input.pick(Self.timeouts)
        let reads = input.choose(3) + 1
        let names = EventNames(input.pick(["STOP", "X"]))
        let policy = input.pick([BufferingPolicy.unbounded, .bufferingNewest(1), .bufferingOldest(1)])
        calls.start("listener") {
            try await client.listener(names, policy: policy) { listener in
                // A listener registered with no session waits for the next one (listeners
                // outlive sessions), which disconnect() does not end: it gets a timeout.
                let hasSession = [.connecting, .running].contains(client.runState)
                for _ in 0..<reads { _ = try await listener.get(timeout: hasSession ? timeout : timeout ?? .milliseconds(5)) }
            }
        }
    }
}
