import QMP

/// A script that plays one input against a client, as FuzzSession and
/// FuzzGuestAgentHandshake do: connect, up to 64 steps, disconnect; then every call
/// must have ended and the client must be idle.
///
/// Each step is chosen by the input among the script's own steps, numbered first
/// (input seeds rely on those numbers), then the steps every script has (end of stream,
/// a cancellation, a disconnect, a reconnect, a pause).
public protocol ClientScript {
    var input: FuzzInput { get set }
    var client: QMPClient { get }
    var peer: ScriptPeer { get set }
    var calls: CallTracker { get }
    /// Starts connecting `client` to `peer`, returning once the attempt is under way.
    mutating func connect() async
    /// How many steps of its own the script has.
    static var ownStepCount: Int { get }
    /// The script's own step numbered `choice`, below ``ownStepCount``.
    mutating func ownStep(_ choice: Int) async
}

extension ClientScript {
    /// Plays the input with the script `make` returns, then waits until the script's client
    /// has been freed, so that libFuzzer's leak check, which runs right after the input,
    /// never finds it alive: a task of the client's that ends a moment after `disconnect()`
    /// returned still holds it then, and LeakSanitizer reports the client's weak-reference
    /// side table as leaked, as the object points to it only in an encoded form. A client
    /// kept for good (a retain cycle, a task that never ends) fails the input instead.
    public static func play(_ make: () -> Self) async {
        weak var client: QMPClient?
        do {
            var script = make()
            client = script.client
            await script.run()
        }
        let released = await poll(until: { client == nil }, within: .seconds(5))
        require(released, "the client was still alive 5 s after disconnect() and the end of every call")
    }

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

    /// One step, as the input chooses: one of the script's own, or one of the five below.
    private mutating func step() async {
        let choice = input.choose(Self.ownStepCount + 5)
        guard choice >= Self.ownStepCount else { return await ownStep(choice) }
        switch choice - Self.ownStepCount {
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
