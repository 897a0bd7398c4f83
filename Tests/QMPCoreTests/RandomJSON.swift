import QMPCore
import QMPTestSupport

enum RandomJSON {
    static func string(_ rng: inout SplitMix64) -> String {
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "é", "€", "😀", "{", "}", "[", "]", "\u{7F}",
                                   // Canonically equivalent to other strings here, yet different bytes.
                                   "\u{E9}", "e", "\u{301}", "\u{212B}", "\u{C5}", "A", "\u{30A}"]
        return String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "a" })
    }

    static func value(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            if Bool.random(using: &rng) { return JSONValue(rng.next() >> UInt64.random(in: 0...63, using: &rng)) }
            return .int(Int64.random(in: .min ... .max, using: &rng) >> Int64.random(in: 0...63, using: &rng))
        case 3:
            let double = Double(bitPattern: rng.next())
            return .double(double.isFinite ? double : 0.5)
        case 4: return .string(string(&rng))
        case 5: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &rng) { object[string(&rng)] = value(&rng, depth: depth + 1) }
            return .object(object)
        }
    }
}
