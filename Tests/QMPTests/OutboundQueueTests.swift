@testable import QMP
import Testing

@Suite("Outbound queue", .timeLimit(.minutes(1)))
struct OutboundQueueTests {
    private func item(_ text: String, fileDescriptors: [Int32] = []) -> OutboundQueue.Item {
        OutboundQueue.Item(bytes: Array(text.utf8), fileDescriptors: fileDescriptors)
    }

    private func texts(_ items: [OutboundQueue.Item]?) -> [String] {
        (items ?? []).map { String(decoding: $0.bytes, as: UTF8.self) }
    }

    @Test func theRestOfAPartialInlineWriteGoesFirst() async {
        let queue = OutboundQueue()
        var written: [String] = []
        #expect(queue.enqueue(item("hello")) { bytes in
            written.append(String(decoding: bytes, as: UTF8.self))
            return 2
        })
        // Something is queued now, so the next message must not overtake it inline.
        #expect(queue.enqueue(item("world")) { _ in
            Issue.record("wrote inline past a queued remainder")
            return 0
        })
        #expect(written == ["hello"])
        #expect(texts(await queue.next()) == ["llo", "world"])
    }

    @Test func nothingIsWrittenInlineWhileTheWriterTaskWrites() async {
        let queue = OutboundQueue()
        _ = queue.enqueue(item("a")) { _ in 0 }
        #expect(texts(await queue.next()) == ["a"])
        // The writer task holds "a" until it asks for more.
        _ = queue.enqueue(item("b")) { _ in
            Issue.record("wrote inline while the writer task was writing")
            return 1
        }
        #expect(texts(await queue.next()) == ["b"])
        // Asking again means "b" is written. Once the writer has parked, a lone message goes
        // inline; if "c" comes first, the writer takes it as its next batch. Either is correct.
        let parked = Task { await queue.next() }
        await Task.yield()
        var wroteInline = false
        _ = queue.enqueue(item("c")) { bytes in
            wroteInline = true
            return bytes.count
        }
        if wroteInline {
            queue.close()
            #expect(await parked.value == nil)
        } else {
            #expect(texts(await parked.value) == ["c"])
        }
    }

    @Test func pipelinedCommandsWaitForTheWriterTask() async {
        let queue = OutboundQueue()
        _ = queue.enqueue(item("batched"), mayWriteInline: false) { _ in
            Issue.record("wrote inline although told not to")
            return 7
        }
        #expect(texts(await queue.next()) == ["batched"])
    }

    @Test func fileDescriptorsAreNeverWrittenInline() async {
        let queue = OutboundQueue()
        _ = queue.enqueue(item("fd", fileDescriptors: [3])) { _ in
            Issue.record("wrote a message with descriptors inline")
            return 2
        }
        let batch = await queue.next()
        #expect(batch?.first?.fileDescriptors == [3])
    }

    @Test func aClosedQueueRefusesWork() async {
        let queue = OutboundQueue()
        queue.close()
        #expect(!queue.enqueue(item("late")) { _ in
            Issue.record("wrote after close")
            return 4
        })
        #expect(await queue.next() == nil)
    }
}
