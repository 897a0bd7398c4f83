import Dispatch
import FuzzSupport
import QMP
import QMPMock

// A whole client session against a peer played by the input: greeting, negotiation,
// replies with and without ids (the right one, a wrong one, none), events, raw bytes,
// end of stream anywhere, disconnects and reconnects, while the client runs commands
// with random timeouts and cancellations and listeners wait for events. Whatever the
// peer does, nothing may trap, every call must end once the client disconnects, and
// the whole session must finish in bounded time.

/// How long one input may take, end to end: far beyond any input's own timeouts.
let sessionBound: DispatchTimeInterval = .seconds(20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    runFuzzTarget(data, count) { bytes in
        runAsync(within: sessionBound, "the session") {
            await SessionScript.play { SessionScript(FuzzInput(bytes)) }
        }
    }
}
