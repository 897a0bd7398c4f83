import FuzzSupport
import QMPMock

// The transcript parser on arbitrary text (invalid UTF-8 included, repaired the way
// `String(decoding:as:)` does): it must throw or parse, and what it parses must
// print as text that parses back to the same transcript.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscript(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    runFuzzTarget(data, count) { bytes in
        guard let transcript = try? Transcript(parsing: String(decoding: bytes, as: UTF8.self)) else { return }
        for entry in transcript.entries {
            // Every line was checked to be JSON; a message that is not an object fails here, typed.
            _ = try? entry.message()
        }
        let printed = transcript.text
        let reparsed: Transcript
        do {
            reparsed = try Transcript(parsing: printed)
        } catch {
            require(false, "the printed transcript does not parse: \(error)\n\(printed)")
            return
        }
        require(reparsed.entries.count == transcript.entries.count, "printing changed the number of entries:\n\(printed)")
        for (before, after) in zip(transcript.entries, reparsed.entries) {
            require(before.direction == after.direction && before.text == after.text, "printing changed \(before) into \(after)")
            // Times are printed to the microsecond.
            switch (before.time, after.time) {
            case (nil, nil): break
            case (let time?, let printedTime?):
                require(!time.isFinite || abs(time - printedTime) <= 1e-6 * max(1, abs(time)), "time \(time) printed as \(printedTime)")
            default: require(false, "printing changed the time of \(before) into \(after.time.map(String.init(describing:)) ?? "none")")
            }
        }
    }
}
