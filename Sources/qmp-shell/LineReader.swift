import Foundation

/// Lines from stdin, read on a thread of their own so the blocking read never
/// occupies Swift's cooperative pool.
enum LineReader {
    static func lines() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        Thread.detachNewThread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        return stream
    }

    static var stdinIsTerminal: Bool { isatty(0) == 1 }
}
