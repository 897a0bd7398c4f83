import QMPCore
import QMPMock
import Testing

/// Runs of server messages are framed into chunks ahead of time; the bytes a
/// client receives must be exactly the recording's, in order, with replies'
/// ids still rewritten and client messages still holding back what follows.
@Suite("Replay transport: prebuilt chunks", .timeLimit(.minutes(1)))
struct ReplayChunkTests {
    private static func event(_ sequence: Int) -> String {
        #"{"timestamp": {"seconds": 1, "microseconds": \#(sequence)}, "event": "TICK", "data": {"seq": \#(sequence), "pad": "\#(String(repeating: "x", count: 100))"}}"#
    }

    /// A greeting, 1,500 events (several 64 KiB chunks), a command and its reply, 1,500 more, the end.
    private static let transcript = Transcript(entries:
        [.init(direction: .fromServer, text: #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#)]
        + (0..<1_500).map { .init(direction: .fromServer, text: event($0)) }
        + [.init(direction: .fromClient, text: #"{"execute": "stop", "id": "recorded-1"}"#),
           .init(direction: .fromServer, text: event(1_500)),
           .init(direction: .fromServer, text: #"{"return": {}, "id": "recorded-1"}"#)]
        + (1_501..<3_000).map { .init(direction: .fromServer, text: event($0)) }
        + [.init(direction: .fromServer, text: nil)]
    )

    /// Receives until `count` messages have arrived (or the end); returns them.
    private func receive(_ count: Int?, from replay: ReplayTransport, into framer: inout MessageFramer) async throws -> [Message] {
        var messages: [Message] = []
        while count.map({ messages.count < $0 }) ?? true {
            guard let chunk = try await replay.receive() else { break }
            #expect(chunk.count <= 64 * 1024 + 512, "chunks stay socket-sized")
            framer.append(chunk)
            while let (message, _) = try framer.nextMessage() { messages.append(message) }
        }
        return messages
    }

    @Test func deliversTheRecordingInOrderAroundAClientMessage() async throws {
        let replay = try ReplayTransport(transcript: Self.transcript)
        var framer = MessageFramer()
        let before = try await receive(1_501, from: replay, into: &framer)
        #expect(before.count == 1_501, "everything up to the client's message, and no more")
        try await replay.send(Array(#"{"execute": "stop", "id": "mine"}"#.utf8))
        let after = try await receive(nil, from: replay, into: &framer)
        #expect(after.count == 1_501)
        #expect(after[1].id == "mine", "the reply carries the client's id")
        let sequence = (before.dropFirst() + after).compactMap { $0["data"]?["seq"]?.intValue }
        #expect(sequence == (0..<3_000).map(Int64.init))
        try replay.verifyCompleted()
    }

    @Test func recordedTimingStillPlaysMessageByMessage() async throws {
        var timed = Self.transcript
        for index in timed.entries.indices { timed.entries[index].time = 0 }
        let replay = try ReplayTransport(transcript: timed, timing: .recorded)
        var framer = MessageFramer()
        let before = try await receive(1_501, from: replay, into: &framer)
        #expect(before.count == 1_501)
    }
}
