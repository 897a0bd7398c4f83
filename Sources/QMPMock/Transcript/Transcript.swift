public import QMPCore

/// A recorded QMP session: every message in order, with its direction.
///
/// The text form is line-based and diffable (see <doc:TranscriptFormat>):
///
/// ```
/// # swift-qmp transcript 1
/// <- {"QMP": {"version": {...}, "capabilities": ["oob"]}}
/// -> {"execute":"qmp_capabilities","id":"0"}
/// <- {"return": {}, "id": "0"}
/// <- EOF
/// ```
public struct Transcript: Sendable, Hashable {
    /// Which way a message went.
    public enum Direction: Sendable, Hashable {
        /// From QEMU to the client (`<-`).
        case fromServer
        /// From the client to QEMU (`->`).
        case fromClient
    }

    /// One line of a transcript.
    public struct Entry: Sendable, Hashable {
        /// Who sent the message: QEMU (`<-`) or the client (`->`).
        public var direction: Direction
        /// Seconds since the session started, when recorded with timing.
        ///
        /// ``Transcript/text`` writes it to the microsecond; a time it cannot write that way
        /// (not finite, or beyond about 292,000 years) is left out of the text.
        public var time: Double?
        /// The message exactly as it crossed the wire, or `nil` for the server closing the connection.
        public var text: String?

        /// Creates an entry; pass `nil` as `text` (with ``Direction/fromServer``) for the
        /// server closing the connection. The text is parsed only when the entry is used.
        public init(direction: Direction, time: Double? = nil, text: String?) {
            self.direction = direction
            self.time = time
            self.text = text
        }

        /// Whether this entry is the server's end of stream.
        public var isEndOfStream: Bool { text == nil }

        /// The text of an entry for the raw byte 0xFF, which a guest agent and its client
        /// send to resynchronise (`<- 0xFF`, `-> 0xFF`); it is not JSON, so no message has it.
        public static let delimiterText = "0xFF"

        /// Whether this entry is the raw byte 0xFF (see ``delimiterText``).
        public var isDelimiter: Bool { text == Self.delimiterText }

        /// The parsed message, `nil` for end of stream and for the byte 0xFF.
        public func message() throws(QMPError) -> Message? {
            guard let text, !isDelimiter else { return nil }
            return try Message(parsing: Array(text.utf8))
        }
    }

    /// The messages in the order they crossed the wire.
    public var entries: [Entry]

    /// Creates a transcript from entries, for example to build a scenario in code.
    public init(entries: [Entry] = []) {
        self.entries = entries
    }
}

extension Transcript {
    static let header = "# swift-qmp transcript 1"

    /// Reads the text form; lines that are empty or start with `#` are ignored.
    ///
    /// - Throws: ``QMPError/Code/malformedMessage`` naming the line number.
    public init(parsing text: String) throws(QMPError) {
        var entries: [Entry] = []
        // Split at the scalar: as Characters, "\r\n" is one, which no "\n" matches.
        for (index, scalars) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Every carriage return at the end goes (JSON whitespace), so the text prints back as it reads.
            var line = Substring(scalars)
            while line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let lineNumber = index + 1
            let direction: Direction
            if line.hasPrefix("<- ") {
                direction = .fromServer
            } else if line.hasPrefix("-> ") {
                direction = .fromClient
            } else {
                throw QMPError(.malformedMessage, "transcript line \(lineNumber) must start with '<- ' or '-> ': \(line)")
            }
            var rest = line.dropFirst(3)
            var time: Double?
            if rest.hasPrefix("@") {
                // A time `text` could not write back is malformed.
                guard let space = rest.firstIndex(of: " "), let seconds = Double(rest[rest.index(after: rest.startIndex)..<space]),
                      Self.isWritable(seconds) else {
                    throw QMPError(.malformedMessage, "transcript line \(lineNumber) has a malformed time: \(line)")
                }
                time = seconds
                rest = rest[rest.index(after: space)...]
            }
            if rest == "EOF" {
                entries.append(Entry(direction: direction, time: time, text: nil))
                continue
            }
            if rest == Entry.delimiterText {
                entries.append(Entry(direction: direction, time: time, text: Entry.delimiterText))
                continue
            }
            do {
                _ = try JSONParser.parse(Array(rest.utf8))
            } catch {
                throw QMPError(.malformedMessage, "transcript line \(lineNumber) is not valid JSON: \(error)", offset: error.offset)
            }
            entries.append(Entry(direction: direction, time: time, text: String(rest)))
        }
        self.entries = entries
    }

    /// The text form, one entry per line, ending in a newline.
    public var text: String {
        var lines = [Self.header]
        for entry in entries {
            var line = entry.direction == .fromServer ? "<- " : "-> "
            if let time = entry.time.flatMap(Self.formattedTime) { line += "@" + time + " " }
            line += entry.text ?? "EOF"
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds whose microseconds still fit in an `Int64` (about 292,000 years).
    static let largestTime = Double(Int64.max / 1_000_000)

    /// Whether `seconds` is finite and its microseconds fit an `Int64`, as `text` writes them.
    private static func isWritable(_ seconds: Double) -> Bool {
        seconds.isFinite && abs(seconds) < largestTime
    }

    /// `seconds` to the microsecond, or `nil` when it is not ``isWritable(_:)``.
    private static func formattedTime(_ seconds: Double) -> String? {
        guard isWritable(seconds) else { return nil }
        let micros = Int64((seconds * 1_000_000).rounded())
        // Whole seconds and fraction from the magnitude: with a negative time, both
        // remainders would carry the sign ("-1.-500000").
        let fraction = String(micros.magnitude % 1_000_000)
        return (micros < 0 ? "-" : "") + "\(micros.magnitude / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
