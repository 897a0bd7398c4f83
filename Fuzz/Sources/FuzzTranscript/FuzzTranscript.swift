import Dispatch
import FuzzSupport
import QMP
import QMPMock

// The transcript parser on arbitrary text (invalid UTF-8 included, repaired the way
// `String(decoding:as:)` does): it must throw or parse, and what it parses must
// print as text that parses back to the same transcript. And the same bytes, read
// from a peer through a RecordingTransport, must record a transcript whose text
// parses back to it.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTranscript(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    runFuzzTarget(data, count) { bytes in
        // A task and a wait (some milliseconds under ASan) per input: on one input in 32,
        // so the parser keeps its speed.
        if fnv1a(bytes) % 32 == 0 { checkRecording(of: bytes) }
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

/// Records `bytes` as what a server sent, then checks the recording's text form.
func checkRecording(of bytes: [UInt8]) {
    let (client, server) = InProcessTransport.makePair()
    let recorder = RecordingTransport(client)
    server.write(bytes)
    server.finishWriting()
    let done = DispatchSemaphore(value: 0)
    Task {
        while (try? await recorder.receive()) != nil {}
        done.signal()
    }
    require(done.wait(timeout: .now() + 10) == .success, "reading \(bytes.count) bytes through a RecordingTransport did not finish")
    let recorded = recorder.transcript
    // A known issue (Tests/QMPMockTests/RecordingTextFormTests.swift): a frame that is not
    // JSON has no text form yet (a multi-line JSON frame is written on one line).
    let representable = recorded.entries.allSatisfy { entry in
        guard let text = entry.text else { return true }
        return !text.contains(where: \.isNewline) && (try? JSONParser.parse(Array(text.utf8))) != nil
    }
    guard representable else { return }
    do {
        let reparsed = try Transcript(parsing: recorded.text)
        require(reparsed == recorded, "the recording changed when printed and parsed again:\n\(recorded.text)")
    } catch {
        require(false, "the recording's text does not parse: \(error)\n\(recorded.text)")
    }
}
