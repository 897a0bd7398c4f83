extension JSONValue {
    /// Appends compact, ASCII-only JSON to `buffer`.
    ///
    /// Non-ASCII characters are escaped as `\uXXXX` (surrogate pairs above
    /// U+FFFF), so the output is valid in any 8-bit-clean channel and accepted
    /// by QEMU. Doubles print in their shortest round-trip form and always
    /// with a fraction or exponent (`1.0`, not `1`), so they parse back as
    /// doubles. Infinity and NaN have no JSON form: a ``JSONValue/double(_:)``
    /// holding one (only code can make one: the parser rejects `1e400`, and
    /// ``JSONValueEncoder`` throws for such doubles) is written as `null`, so the
    /// output is always valid JSON.
    public func appendSerialized(to buffer: inout [UInt8]) {
        appendSerialized(to: &buffer, spaced: false)
    }

    /// QEMU's own style: `{"return": {}, "id": "a"}`, with a space after `:` and `,`.
    /// A simulated QEMU uses it so its output reads like the real thing.
    public func serializedBytesQEMUStyle() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        appendSerialized(to: &buffer, spaced: true)
        return buffer
    }

    private func appendSerialized(to buffer: inout [UInt8], spaced: Bool) {
        switch self {
        case .null: buffer.append(contentsOf: "null".utf8)
        case .bool(let value): buffer.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.appendInteger(value, to: &buffer)
        case .uint(let value): Self.appendDigits(of: value, negative: false, to: &buffer)
        case .double(let value): Self.appendDouble(value, to: &buffer)
        case .string(let value): Self.appendString(value, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                if index > 0 && spaced { buffer.append(UInt8(ascii: " ")) }
                element.appendSerialized(to: &buffer, spaced: spaced)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            buffer.append(UInt8(ascii: "{"))
            for (index, member) in object.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                if index > 0 && spaced { buffer.append(UInt8(ascii: " ")) }
                Self.appendString(member.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                if spaced { buffer.append(UInt8(ascii: " ")) }
                member.value.appendSerialized(to: &buffer, spaced: spaced)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// The compact, ASCII-only JSON text as bytes.
    public func serializedBytes() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        appendSerialized(to: &buffer)
        return buffer
    }

    /// The compact, ASCII-only JSON text.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value >= 0 && value < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendDigits(of: value.magnitude, negative: value < 0, to: &buffer)
    }

    static func appendDigits(of magnitude: UInt64, negative: Bool, to buffer: inout [UInt8]) {
        // Digits come out least significant first; write them backwards into a small stack buffer.
        var magnitude = magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if negative { buffer.append(UInt8(ascii: "-")) }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index..<20]))
        }
    }

    static func appendDouble(_ value: Double, to buffer: inout [UInt8]) {
        guard value.isFinite else {
            buffer.append(contentsOf: "null".utf8)
            return
        }
        let text = value.description
        buffer.append(contentsOf: text.utf8)
        // Swift prints 1e+20 as "1e+20" and 1.0 as "1.0"; both parse back as doubles.
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendString(_ string: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        var needsSlowPath = false
        for byte in string.utf8 where byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            needsSlowPath = true
            break
        }
        if !needsSlowPath {
            buffer.append(contentsOf: string.utf8)
        } else {
            for unit in string.utf16 {
                switch unit {
                case 0x22: buffer.append(contentsOf: #"\""#.utf8)
                case 0x5C: buffer.append(contentsOf: #"\\"#.utf8)
                case 0x0A: buffer.append(contentsOf: #"\n"#.utf8)
                case 0x0D: buffer.append(contentsOf: #"\r"#.utf8)
                case 0x09: buffer.append(contentsOf: #"\t"#.utf8)
                case 0x08: buffer.append(contentsOf: #"\b"#.utf8)
                case 0x0C: buffer.append(contentsOf: #"\f"#.utf8)
                case 0x20..<0x80: buffer.append(UInt8(unit))
                default:
                    buffer.append(contentsOf: #"\u"#.utf8)
                    buffer.append(hexDigits[Int(unit >> 12)])
                    buffer.append(hexDigits[Int(unit >> 8 & 0xF)])
                    buffer.append(hexDigits[Int(unit >> 4 & 0xF)])
                    buffer.append(hexDigits[Int(unit & 0xF)])
                }
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// Indented JSON for people to read (`qmp-shell -p`), with `": "` after keys.
    ///
    /// - Parameter indent: Spaces per level; a negative one counts as none (each
    ///   member still on its own line), rather than trapping on a negative repeat count.
    public func prettyPrinted(indent: Int = 4) -> String {
        var buffer: [UInt8] = []
        appendPretty(to: &buffer, indent: max(indent, 0), level: 0)
        return String(decoding: buffer, as: UTF8.self)
    }

    private func appendPretty(to buffer: inout [UInt8], indent: Int, level: Int) {
        func newline(_ level: Int) {
            buffer.append(UInt8(ascii: "\n"))
            buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
        }
        switch self {
        case .array(let elements) where !elements.isEmpty:
            buffer.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                newline(level + 1)
                element.appendPretty(to: &buffer, indent: indent, level: level + 1)
            }
            newline(level)
            buffer.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            buffer.append(UInt8(ascii: "{"))
            for (index, member) in object.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                newline(level + 1)
                Self.appendString(member.key, to: &buffer)
                buffer.append(contentsOf: ": ".utf8)
                member.value.appendPretty(to: &buffer, indent: indent, level: level + 1)
            }
            newline(level)
            buffer.append(UInt8(ascii: "}"))
        default:
            appendSerialized(to: &buffer)
        }
    }
}
