#if canImport(Glibc)
import Glibc
#endif

/// Stops the run with `message` when an invariant does not hold: libFuzzer
/// records the input that got here as a crash.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard condition() else {
        fputs("invariant violated: \(message())\n", stderr)
        abort()
    }
}

/// Runs a fuzz target's body on libFuzzer's input; the value `LLVMFuzzerTestOneInput` returns.
public func runFuzzTarget(_ data: UnsafePointer<UInt8>?, _ count: Int, _ body: ([UInt8]) -> Void) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    body(bytes)
    return 0
}
