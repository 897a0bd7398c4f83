/// The client's own command ids: a per-client counter written in base 62 with no prefix.
///
/// QEMU's monitor reads its input a byte at a time, so its cost per command grows with
/// the command's length: against QEMU 7.2, `{"execute":"query-status","id":"q1"}` made
/// 4.8k–5.2k round trips a second and the same with a 16-character id 4.2k–4.4k. Ids stay
/// strings, since QEMU rewrites some numbers (`1.0` comes back as `1`); base 62 keeps
/// them at one character for the first 61 commands and at most eleven for a `UInt64`.
enum CommandID {
    private static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    static func string(for number: UInt64) -> String {
        var length = 1
        var rest = number / 62
        while rest > 0 {
            length += 1
            rest /= 62
        }
        // At most 11 digits: a small string, built in place with no allocation.
        return String(unsafeUninitializedCapacity: length) { buffer in
            var number = number
            for index in stride(from: length - 1, through: 0, by: -1) {
                buffer[index] = digits[Int(number % 62)]
                number /= 62
            }
            return length
        }
    }
}
