import QMPCore

extension QMPSchema {
    /// Why QEMU (or its agent) would refuse the command before running it; `nil` for a
    /// command the schema lacks, which only a test's own handler answers.
    func violation(of command: String, _ arguments: JSONObject, oob: Bool) -> SchemaViolation? {
        guard commands[command] != nil else { return nil }
        return check(command: command, arguments: arguments, oob: oob).violation
    }
}
