import Testing
@testable import QMPCore

@Suite("QMPError")
struct QMPErrorTests {
    @Test("a changed copy leaves the original as it was")
    func copiesAreIndependent() {
        let original = QMPError(.transportFailed, "write failed", command: "cont", errno: 32)
        var changed = original
        changed.code = .disconnected
        changed.message = "the connection to QEMU was lost"
        #expect(original.code == .transportFailed)
        #expect(original.message == "write failed")
        #expect(changed.code == .disconnected)
        #expect(changed.command == "cont")
        #expect(changed.errno == 32)
        #expect(changed != original)
    }

    @Test("errors with the same fields are equal and hash alike, whichever way they were made")
    func equalityFollowsTheFields() {
        let made = QMPError(.commandFailed, "failed", command: "stop", errorClass: "GenericError", errorDescription: "no")
        var built = QMPError(.commandFailed, "failed")
        built.command = "stop"
        built.errorClass = "GenericError"
        built.errorDescription = "no"
        #expect(made == built)
        #expect(made.hashValue == built.hashValue)
        #expect(Set([made, built]).count == 1)
        built.offset = 3
        #expect(made != built)
    }
}
