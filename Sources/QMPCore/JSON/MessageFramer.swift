/// Splits an inbound byte stream into messages where braces balance.
///
/// QEMU ends each message with CRLF, but with `pretty=on` one message spans
/// many lines, and client input to a server is not line-framed at all
/// (`{"execute":"a"}{"execute":"b"}` is two messages). So the framer follows
/// the JSON structure instead of line breaks, the way QEMU's own streamer does:
///
/// - Whitespace between frames is skipped.
/// - A frame that starts with `{` or `[` ends where its brackets balance;
///   brackets inside strings (escapes respected) do not count.
/// - Anything else at the top level is not a QMP message, but it still has to
///   be reported: a string runs to its closing quote, a lone `}` or `]` is a
///   frame of one byte, and any other run of bytes ends before the next
///   whitespace, `{`, `[`, `]`, `}` or `"`. Such frames fail to parse (or are
///   not objects), which is how the caller learns of the garbage.
///
/// A frame longer than ``maxMessageSize`` throws ``QMPError/Code/messageTooLarge``.
/// The stream cannot be resynchronised after that, so the framer keeps
/// throwing; the session has to be torn down.
public struct MessageFramer: Sendable {
    /// 2 MiB: ten times QEMU's largest reply (`query-qmp-schema`, ~207 KB).
    ///
    /// The limit bounds what one message can cost to parse. Parsed, a message takes
    /// several times its size: every value is 24 bytes, every non-empty array or object
    /// an allocation of its own. `query-qmp-schema` takes about 10 times its size; the
    /// worst shapes, hostile or broken input such as `[{"":0},{"":0},...]` or
    /// `[[[[0]]],[[[0]]],...]`, about 37 and 30 times (peak RSS growth while framing and
    /// parsing one such message, measured by `MemoryBenchmark.runParsePeak` in
    /// Benchmarks). At this limit the worst case is thus about 75 MiB, on top of the
    /// message's bytes in the framer's buffer (up to twice its size while it arrives).
    /// Raise it for larger replies with that factor in mind; 16 MiB, the limit before,
    /// allowed about 600 MiB.
    public static let defaultMaxMessageSize = 2 << 20

    /// The longest frame, in bytes, that ``nextFrame()`` accepts; see ``defaultMaxMessageSize``.
    public let maxMessageSize: Int
    private var buffer: [UInt8] = []
    /// Where the frame being scanned starts; bytes before it are consumed.
    private var frameStart = 0
    /// How far the current frame has been scanned, so no byte is scanned twice.
    private var scanned = 0
    private var scan = ScanState()
    private var failure: QMPError?
    private struct ScanState {
        var depth = 0
        var inString = false
        var escaped = false
        var started = false
        var kind = Kind.structure

        enum Kind { case structure, string, bare }
    }

    /// Creates a framer with an empty buffer that rejects frames longer than `maxMessageSize` bytes.
    public init(maxMessageSize: Int = MessageFramer.defaultMaxMessageSize) {
        self.maxMessageSize = maxMessageSize
    }

    /// Bytes received but not yet returned as a frame (whitespace included).
    public var bufferedByteCount: Int { buffer.count - frameStart }

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Adds bytes received from the peer: the overload a transport's chunks take, which
    /// spares each call the generic collection machinery (the cost of one small reply).
    public mutating func append(_ bytes: [UInt8]) {
        // Everything before was consumed, as when reads end on a message boundary:
        // take the chunk itself (one reference) instead of copying it, unless it is
        // mostly spare capacity (a short read into a large buffer), which the framer
        // would then hold on to while the connection idles.
        if frameStart >= buffer.count && !scan.started && bytes.count * 2 >= bytes.capacity {
            buffer = bytes
            frameStart = 0
            scanned = 0
            return
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    private mutating func compact() {
        // Drop consumed bytes first, but only when that halves the buffer, to stay amortised O(n).
        if frameStart > 0 && frameStart >= buffer.count / 2 {
            buffer.removeSubrange(0..<frameStart)
            scanned -= frameStart
            frameStart = 0
        }
    }

    /// Drops every buffered byte up to and including the first `byte`, abandoning any
    /// frame under way; returns whether `byte` was found. When it was not, everything is
    /// dropped if `orAll`, nothing otherwise.
    ///
    /// The guest agent's resynchronisation: it sends 0xFF, a byte valid UTF-8 never holds,
    /// right before its answer to `guest-sync-delimited`, and whatever came first is stale.
    public mutating func discard(through byte: UInt8, orAll: Bool) -> Bool {
        let found = buffer[frameStart...].firstIndex(of: byte)
        guard found != nil || orAll else { return false }
        frameStart = found.map { $0 + 1 } ?? buffer.count
        scanned = frameStart
        scan = ScanState()
        compact()
        return found != nil
    }

    /// The next complete frame, or `nil` until more bytes arrive.
    public mutating func nextFrame() throws(QMPError) -> ArraySlice<UInt8>? {
        if let failure { throw failure }
        guard let end = findFrameEnd() else {
            if scan.started && scanned - frameStart > maxMessageSize { throw tooLarge(size: nil) }
            return nil
        }
        let frame = buffer[frameStart..<end]
        if end - frameStart > maxMessageSize { throw tooLarge(size: end - frameStart) }
        frameStart = end
        scanned = end
        scan = ScanState()
        return frame
    }

    /// The next complete message, parsed, with the bytes it came from; `nil` until more bytes arrive.
    ///
    /// Equivalent to parsing each ``nextFrame()`` with ``Message/init(parsing:maxDepth:)``,
    /// but a well-formed object that has fully arrived is parsed straight out of
    /// the buffer, and parsing finds where it ends: the separate scan for the
    /// frame's end (a second pass over every byte) is only needed for messages
    /// split across reads and for malformed input.
    ///
    /// - Throws: ``QMPError/Code/malformedMessage`` for a frame that is not a
    ///   JSON object, ``QMPError/Code/messageTooLarge`` past ``maxMessageSize``.
    public mutating func nextMessage(
        maxDepth: Int = JSONParser.defaultMaxDepth
    ) throws(QMPError) -> (message: Message, bytes: ArraySlice<UInt8>)? {
        var bytes = ArraySlice<UInt8>()
        let inPlace = try parseInPlace(maxDepth: maxDepth, bytes: &bytes) { reader -> Message? in
            guard case .object(let object)? = try? reader.parseValuePrefix() else { return nil }
            return Message(object)
        }
        if let inPlace { return (inPlace, bytes) }
        guard let frame = try nextFrame() else { return nil }
        return (try Message(parsing: frame, maxDepth: maxDepth), frame)
    }

    /// What ``nextParsed(maxDepth:keepingEventBytes:)`` returns.
    public enum Parsed: Sendable, Hashable {
        /// An event in QEMU's own layout, parsed straight into an ``Event``.
        case event(Event)
        /// Any other message, events in another layout included.
        case message(Message)
    }

    /// Like ``nextMessage(maxDepth:)``, but an event in the layout QEMU sends is
    /// parsed directly into an ``Event``, without building the envelope and
    /// timestamp objects first: the reader's path for event floods.
    ///
    /// - Parameters:
    ///   - maxDepth: The deepest nesting accepted, as for ``JSONParser``.
    ///   - keepingEventBytes: `false` returns such events with empty `bytes`,
    ///     for a caller that does not look at them: a slice keeps the buffer alive, which
    ///     costs an atomic retain and release per event.
    /// - Throws: What ``nextMessage(maxDepth:)`` throws.
    public mutating func nextParsed(
        maxDepth: Int = JSONParser.defaultMaxDepth,
        keepingEventBytes: Bool = true
    ) throws(QMPError) -> (parsed: Parsed, bytes: ArraySlice<UInt8>)? {
        var bytes = ArraySlice<UInt8>()
        if let event = try parseInPlace(maxDepth: maxDepth, keepingBytes: keepingEventBytes, bytes: &bytes, { reader in
            reader.parseCanonicalEvent()
        }) {
            return (.event(event), bytes)
        }
        guard let (message, bytes) = try nextMessage(maxDepth: maxDepth) else { return nil }
        return (.message(message), bytes)
    }

    /// Runs `parse` on the unconsumed bytes when no scan is under way; on success
    /// consumes what it parsed and sets `bytes` to it (if `keepingBytes`). `nil` (incomplete, another kind
    /// of message, or malformed) leaves the bytes to the scanning path and its error reporting.
    ///
    /// The value comes back alone, not in an optional tuple with its range: an
    /// optional tuple holding an `Event` was copied through the runtime's generic
    /// value witnesses, ~500 instructions per event.
    @inline(__always)
    private mutating func parseInPlace<Value>(
        maxDepth: Int,
        keepingBytes: Bool = true,
        bytes: inout ArraySlice<UInt8>,
        _ parse: (inout JSONReader) -> Value?
    ) throws(QMPError) -> Value? {
        guard !scan.started, case .none = failure else { return nil }
        let offset = frameStart
        var start = 0
        var end = 0
        let parsed = buffer.withUnsafeBytes { buffer in
            var reader = JSONReader(UnsafeRawBufferPointer(rebasing: buffer[offset...]), maxDepth: maxDepth)
            reader.skipWhitespace()
            start = reader.position
            let value = parse(&reader)
            end = reader.position
            return value
        }
        guard let parsed else { return nil }
        if end - start > maxMessageSize { throw tooLarge(size: end - start) }
        frameStart = offset + end
        scanned = frameStart
        if keepingBytes { bytes = buffer[(offset + start)..<(offset + end)] }
        return parsed
    }

    /// The error for a message past ``maxMessageSize`` (`size` when known); the
    /// stream cannot be resynchronised after it, so it is kept for every later call.
    private mutating func tooLarge(size: Int?) -> QMPError {
        let error = QMPError(
            .messageTooLarge,
            "a QMP message \(size.map { "of \($0) bytes " } ?? "")exceeded the limit of \(maxMessageSize) bytes (MessageFramer.maxMessageSize)"
        )
        failure = error
        return error
    }

    /// Scans from where the last call stopped; returns the end of a complete frame.
    private mutating func findFrameEnd() -> Int? {
        let count = buffer.count
        var position = scanned
        var state = scan
        let limit = maxMessageSize
        var start = frameStart
        let result: Int? = buffer.withUnsafeBufferPointer { bytes in
            if !state.started {
                while position < count {
                    switch bytes[position] {
                    case 0x20, 0x09, 0x0A, 0x0D:
                        position += 1
                        continue
                    default: break
                    }
                    break
                }
                start = position
                guard position < count else { return nil }
                state.started = true
                switch bytes[position] {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    state.kind = .structure
                case UInt8(ascii: "\""):
                    state.kind = .string
                    state.inString = true
                    position += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    return position + 1
                default:
                    state.kind = .bare
                }
            }
            switch state.kind {
            case .bare:
                while position < count {
                    switch bytes[position] {
                    case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "}"),
                         UInt8(ascii: "]"), UInt8(ascii: "\""):
                        return position
                    default:
                        position += 1
                    }
                }
                return nil
            case .string, .structure:
                while position < count {
                    // Past the limit there is no point scanning on: the caller reports it.
                    if position - start > limit { return nil }
                    let byte = bytes[position]
                    position += 1
                    if state.inString {
                        if state.escaped {
                            state.escaped = false
                        } else if byte == UInt8(ascii: "\\") {
                            state.escaped = true
                        } else if byte == UInt8(ascii: "\"") {
                            state.inString = false
                            if state.kind == .string { return position }
                        }
                        continue
                    }
                    switch byte {
                    case UInt8(ascii: "\""): state.inString = true
                    case UInt8(ascii: "{"), UInt8(ascii: "["): state.depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        state.depth -= 1
                        if state.depth == 0 { return position }
                    default: break
                    }
                }
                return nil
            }
        }
        frameStart = start
        scanned = position
        scan = state
        return result
    }
}
