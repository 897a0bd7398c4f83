/// Turns bytes read from a terminal in raw mode into keys.
///
/// A read may end inside an escape sequence or a UTF-8 character: the decoder keeps the
/// incomplete part for the next read. When no next read comes soon, ``flush()`` settles
/// it (a lone Escape, or U+FFFD for a cut UTF-8 character). Invalid UTF-8 becomes U+FFFD
/// and C0/C1 control characters that are no key are dropped, so nothing typed or pasted
/// can put raw control bytes on the screen.
struct KeyDecoder {
    private var pending: [UInt8] = []
    /// Escape sequences longer than this are garbage, not keys.
    private static let longestSequence = 32

    var hasPending: Bool { !pending.isEmpty }

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Key] {
        pending.append(contentsOf: bytes)
        return decode(final: false)
    }

    /// Decodes what is left as if no more bytes will follow it.
    mutating func flush() -> [Key] {
        decode(final: true)
    }

    private mutating func decode(final: Bool) -> [Key] {
        var keys: [Key] = []
        var text = ""
        var index = 0
        func emit(_ key: Key) {
            if !text.isEmpty {
                keys.append(.text(text))
                text = ""
            }
            keys.append(key)
        }
        while index < pending.count {
            let byte = pending[index]
            switch byte {
            case 0x1B:
                guard let (key, length) = Self.escapeSequence(pending[index...], final: final) else {
                    pending.removeFirst(index)
                    if !text.isEmpty { keys.append(.text(text)) }
                    return keys
                }
                emit(key)
                index += length
            case 0x80...:
                guard let (character, length) = Self.utf8(pending[index...], final: final) else {
                    pending.removeFirst(index)
                    if !text.isEmpty { keys.append(.text(text)) }
                    return keys
                }
                if let character { text.unicodeScalars.append(character) }
                index += length
            default:
                if let key = Self.controlKey(byte) {
                    emit(key)
                } else if byte >= 0x20 {
                    text.unicodeScalars.append(Unicode.Scalar(byte))
                }
                index += 1
            }
        }
        pending.removeAll()
        if !text.isEmpty { keys.append(.text(text)) }
        return keys
    }

    /// The key for a C0 control byte or DEL; `nil` for printable bytes and unused controls.
    private static func controlKey(_ byte: UInt8) -> Key? {
        switch byte {
        case 0x0D, 0x0A: return .enter
        case 0x09: return .tab
        case 0x7F, 0x08: return .backspace
        case 0x01...0x1A: return .control(Character(Unicode.Scalar(byte + 0x60)))
        default: return nil
        }
    }

    /// The character starting `bytes` and its length; the character is `nil` for a C1 control,
    /// U+FFFD for invalid UTF-8. `nil` overall when more bytes are needed.
    private static func utf8(_ bytes: ArraySlice<UInt8>, final: Bool) -> (Unicode.Scalar?, Int)? {
        let lead = bytes[bytes.startIndex]
        let length: Int
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return ("\u{FFFD}", 1)
        }
        var count = 1
        while count < length {
            let position = bytes.startIndex + count
            guard position < bytes.endIndex else { return final ? ("\u{FFFD}", count) : nil }
            guard bytes[position] & 0xC0 == 0x80 else { return ("\u{FFFD}", count) }
            count += 1
        }
        // Overlong forms and surrogates pass the checks above; the standard library rejects them.
        guard let scalar = String(validating: bytes.prefix(length), as: UTF8.self)?.unicodeScalars.first else {
            return ("\u{FFFD}", length)
        }
        return (scalar.properties.generalCategory == .control ? nil : scalar, length)
    }

    /// The key an escape sequence at the start of `bytes` stands for, and its length;
    /// `nil` when the sequence may still be incomplete.
    private static func escapeSequence(_ bytes: ArraySlice<UInt8>, final: Bool) -> (Key, Int)? {
        let start = bytes.startIndex
        guard bytes.count > 1 else { return final ? (.escape, 1) : nil }
        let second = bytes[start + 1]
        switch second {
        case UInt8(ascii: "["):
            // CSI: parameter bytes, intermediate bytes, one final byte.
            var index = start + 2
            while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) { index += 1 }
            guard index < bytes.endIndex else {
                if final || index - start > longestSequence { return (.ignored, index - start) }
                return nil
            }
            // A control byte cuts the sequence short: it is a key of its own, as on a terminal.
            guard (0x40...0x7E).contains(bytes[index]) else { return (.ignored, index - start) }
            let parameters = String(decoding: bytes[(start + 2)..<index], as: UTF8.self)
            return (csiKey(parameters: parameters, final: bytes[index]), index - start + 1)
        case UInt8(ascii: "O"):
            guard bytes.count > 2 else { return final ? (.ignored, 2) : nil }
            return (csiKey(parameters: "", final: bytes[start + 2]), 3)
        case UInt8(ascii: "b"): return (.wordLeft, 2)
        case UInt8(ascii: "f"): return (.wordRight, 2)
        case 0x7F, 0x08: return (.control("w"), 2)
        case 0x1B: return (.escape, 1)
        default: return (.ignored, second < 0x80 ? 2 : 1)
        }
    }

    private static func csiKey(parameters: String, final: UInt8) -> Key {
        let modified = parameters.hasSuffix(";5") || parameters.hasSuffix(";3")
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return modified ? .wordRight : .right
        case UInt8(ascii: "D"): return modified ? .wordLeft : .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch parameters {
            case "1", "7": return .home
            case "4", "8": return .end
            case "3": return .delete
            default: return .ignored
            }
        default: return .ignored
        }
    }
}
