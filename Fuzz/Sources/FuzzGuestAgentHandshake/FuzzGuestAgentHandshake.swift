import Dispatch
import FuzzSupport

// A guest agent client's connection against a peer played by the input: the 0xFF
// parser reset and guest-sync-delimited answered right or wrong, after garbage,
// stale replies and stray 0xFF bytes; guest-info in its variants; replies with,
// without or with wrong ids; end of stream anywhere; then commands with timeouts,
// among them guest-shutdown, which the agent answers with nothing. Whatever the
// peer does, nothing may trap, every call must end once the client disconnects,
// the client must end idle, and the whole input must finish in bounded time.

/// How long one input may take, end to end: far beyond any input's own timeouts.
let handshakeBound: DispatchTimeInterval = .seconds(20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGuestAgentHandshake(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    runFuzzTarget(data, count) { bytes in
        runAsync(within: handshakeBound, "the guest agent session") {
            await AgentScript.play { AgentScript(FuzzInput(bytes)) }
        }
    }
}
