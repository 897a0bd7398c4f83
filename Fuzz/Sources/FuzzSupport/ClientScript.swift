import QMP

/// A script that plays one input against a client, as FuzzSession and
/// FuzzGuestAgentHandshake do: connect, up to 64 steps, disconnect; then every call
/// must have ended and the client must be idle.
///
/// A script keeps its own steps and leaves to ``commonStep(_:)`` those every
/// script has (end of stream, a cancellation, a disconnect, a reconnect, a pause).
public protocol ClientScript {
    var input: FuzzInput { get set }
    var client: QMPClient { get }
    var peer: ScriptPeer { get set }
    var calls: CallTracker { get }
    /// Starts connecting `client` to `peer`, returning once the attempt is under way.
    mutating func connect() async
    /// One step, as the input chooses.
    mutating func step() async
}

extension ClientScript {
    /// How many choices ``commonStep(_:)`` knows.
    public static var commonStepCount: Int { 5 }

    /// Plays the whole input.
    public mutating func run() async {
        await connect()
        var steps = 0
        while !input.isEmpty && steps < 64 {
            steps += 1
            await step()
        }
        await client.disconnect()
        await calls.awaitAll(within: .seconds(10))
        require(client.runState == .idle, "the client is \(client.runState) after disconnect()")
        await peer.close()
    }

    /// The step numbered `choice` (below ``commonStepCount``) of those every script has.
    public mutating func commonStep(_ choice: Int) async {
        switch choice {
        case 0:
            peer.finishWriting()
        case 1:
            calls.cancel(input.choose(8))
        case 2:
            await client.disconnect()
        case 3:
            if client.runState == .idle {
                await peer.close()
                peer = ScriptPeer()
                await connect()
            }
        default:
            // Give the client's tasks a moment to run before the next step.
            for _ in 0..<input.choose(4) { await Task.yield() }
        }
    }
}
