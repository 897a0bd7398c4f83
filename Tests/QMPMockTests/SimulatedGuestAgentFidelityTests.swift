import Foundation
import QMP
import QMPMock
import QMPTestSupport
import QMPTransportUnix
import Testing

/// The simulated agent against qemu-ga 7.2 itself, the same messages to each: what a review
/// found the simulator to answer differently (framing errors' texts, argument checks, files'
/// `count`, `whence` and `eof`, exec's `out-truncated`, base64 errors). Handles and pids,
/// which differ by nature, are compared as placeholders.
@Suite("The simulated agent answers as qemu-ga 7.2 does", .serialized, .timeLimit(.minutes(1)))
struct SimulatedGuestAgentFidelityTests {
    /// The messages, with `HANDLE` and `PID` standing for the values of earlier replies.
    static func script(directory: String) -> [String] {
        [
            "[1]", #"{"arguments": {}}"#, #"{"execute": 5}"#,
            #"{"execute": "guest-exec-status", "arguments": {"pid": "x"}}"#,
            #"{"execute": "guest-file-open", "arguments": {"path": "\#(directory)/missing", "mode": "r"}}"#,
            #"{"execute": "guest-file-open", "arguments": {"path": "\#(directory)/f.txt", "mode": "w+"}}"#,
            #"{"execute": "guest-file-write", "arguments": {"handle": HANDLE, "buf-b64": "aGk=", "count": 1}}"#,
            #"{"execute": "guest-file-write", "arguments": {"handle": HANDLE, "buf-b64": "!!!"}}"#,
            #"{"execute": "guest-file-seek", "arguments": {"handle": HANDLE, "offset": 0, "whence": "end"}}"#,
            #"{"execute": "guest-file-seek", "arguments": {"handle": HANDLE, "offset": 0}}"#,
            #"{"execute": "guest-file-seek", "arguments": {"handle": HANDLE, "offset": 0, "whence": "bogus"}}"#,
            #"{"execute": "guest-file-seek", "arguments": {"handle": HANDLE, "offset": 0, "whence": 7}}"#,
            #"{"execute": "guest-file-seek", "arguments": {"handle": HANDLE, "offset": 0, "whence": 0}}"#,
            #"{"execute": "guest-file-read", "arguments": {"handle": HANDLE}}"#,
            #"{"execute": "guest-file-close", "arguments": {"handle": HANDLE}}"#,
            #"{"execute": "guest-exec", "arguments": {"path": "/bin/echo", "arg": ["hi"], "capture-output": true}}"#,
            #"{"execute": "guest-exec-status", "arguments": {"pid": PID}}"#,
            #"{"execute": "guest-exec", "arguments": {"path": "/bin/cat", "input-data": "!!!"}}"#,
            // Arguments are checked before anything runs, as QMP's are.
            #"{"execute": "guest-ping", "arguments": {"x": 1}}"#,
            #"{"execute": "guest-ping", "foo": 1}"#,
            #"{"execute": "guest-info", "arguments": []}"#,
            #"{"execute": "guest-sync", "arguments": {"id": "abc"}}"#,
            #"{"execute": "guest-sync", "arguments": {"id": 1.5}}"#,
            #"{"execute": "guest-sync", "arguments": {}}"#,
            #"{"execute": "guest-exec", "arguments": {"path": "/bin/echo", "arg": "hi"}}"#,
            #"{"execute": "guest-exec", "arguments": {"path": "/bin/echo", "arg": [1]}}"#,
            #"{"execute": "guest-exec", "arguments": {"path": "/bin/echo", "capture-output": "yes"}}"#,
            #"{"execute": "guest-exec", "arguments": {"path": 5}}"#,
            #"{"execute": "guest-exec", "arguments": {}}"#,
            #"{"execute": "guest-file-open", "arguments": {"path": "\#(directory)/f.txt", "mode": 5}}"#,
            #"{"execute": "guest-file-read", "arguments": {"handle": 1, "count": "x"}}"#,
        ]
    }

    /// Sends each message and reads its one-line reply, with handles and pids replaced.
    private func replies(over transport: some Transport, directory: String) async throws -> [JSONValue] {
        var framer = MessageFramer()
        var handle = "0", pid = "0"
        var replies: [JSONValue] = []
        func exchange(_ text: String) async throws -> JSONValue {
            try await transport.send(Array(text.replacingOccurrences(of: "HANDLE", with: handle).replacingOccurrences(of: "PID", with: pid).utf8))
            while true {
                if let frame = try framer.nextFrame() { return .object(try Message(parsing: frame).object) }
                guard let chunk = try await transport.receive() else { throw QMPError(.disconnected, "the agent closed") }
                framer.append(chunk)
            }
        }
        for text in Self.script(directory: directory) {
            var value = try await exchange(text)
            // A real process may still run: its status is asked again until it has exited
            // (an exited one is reaped by the answer that says so).
            var asked = 1
            while text.contains("PID"), value["return"]?["exited"] == false, asked < 1_000 {
                value = try await exchange(text)
                asked += 1
            }
            if text.contains("guest-file-open"), let number = value["return"]?.intValue {
                handle = "\(number)"
                value = ["return": "HANDLE"]
            }
            if text.contains("guest-exec\""), let number = value["return"]?["pid"]?.intValue {
                pid = "\(number)"
                value = ["return": ["pid": "PID"]]
            }
            replies.append(value)
        }
        await transport.close()
        return replies
    }

    @Test(.requiresGuestAgent)
    func sameReplies() async throws {
        try await GuestAgentInstance.with { agent in
            let real = try await replies(over: try await UnixSocketTransport.connect(path: agent.socketPath), directory: agent.directory)
            let simulated = try await replies(over: SimulatedGuestAgent().makeClientTransport(), directory: agent.directory)
            #expect(simulated.count == real.count)
            for (index, (mine, theirs)) in zip(simulated, real).enumerated() {
                #expect(mine == theirs, "\(Self.script(directory: agent.directory)[index]): simulator \(mine), qemu-ga \(theirs)")
            }
        }
    }
}
