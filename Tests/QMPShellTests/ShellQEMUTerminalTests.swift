import Foundation
import QMPTestSupport
import Testing

/// Completion and `qom-tree` against a real QEMU, whose schema is the real one.
@Suite("qmp-shell on a terminal, against QEMU", .serialized, .requiresQEMU, .timeLimit(.minutes(3)))
struct ShellQEMUTerminalTests {
    @Test func tabCompletesNamesArgumentsDottedKeysAndEnumValues() async throws {
        let home = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await QEMUInstance.with { qemu in
            let shell = try TerminalShell([qemu.socketPath], home: home)
            try await shell.waitForPrompt(number: 1)
            for keys in ["blockdev-ad\t", "dri\t", "null-c\t", "node-na\t", "n0 ", "read-onl\t", "t\t", "\r"] { shell.type(keys) }
            try await shell.waitFor("(QEMU) blockdev-add driver=null-co node-name=n0 read-only=true \r\n", visible: true)
            try await shell.waitForPrompt(number: 2)
            for keys in ["blockdev-add driver=file cache.d\t", "f\t"] { shell.type(keys) }
            try await shell.waitFor("(QEMU) blockdev-add driver=file cache.direct=false ", visible: true)
            // Ambiguous: both cache members are listed.
            shell.type("\u{15}blockdev-add cache.\t")
            try await shell.waitFor("cache.no-flush=\r\n")
            #expect(shell.screen.contains("\u{1B}[Jcache.direct=    cache.no-flush=\r\n"), "in columns, below the line")
            shell.type("\u{15}query-named-block-nodes\r")
            try await shell.waitFor(#""node-name":"n0""#)
            try await shell.waitForPrompt(number: 3)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
        }
    }

    @Test func hmpTabCompletesCommandsAndInfoSubcommands() async throws {
        let home = try QEMUInstance.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await QEMUInstance.with { qemu in
            let shell = try TerminalShell(["-H", qemu.socketPath], home: home)
            try await shell.waitForPrompt(number: 1)
            for keys in ["inf\t", "statu\t", "\r"] { shell.type(keys) }
            try await shell.waitFor("(QEMU) info status \r\nVM status: running", visible: true)
            try await shell.waitForPrompt(number: 2)
            shell.type("\u{04}")
            #expect(await shell.finish() == 0)
        }
    }

    @Test func qomTreeListsObjectsWithTheirTypes() async throws {
        try await QEMUInstance.with { qemu in
            let output = try await BuiltTool.run("qmp-shell", ["-c", "qom-tree\tpath=/machine", "-c", "qom-tree /nowhere", qemu.socketPath])
            let lines = output.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("/machine (none-machine)"), "\(output.stdout)")
            #expect(lines.contains("  /machine/unattached (container)"))
            #expect(lines.contains { $0.hasPrefix("    /machine/unattached/") && $0.hasSuffix(")") }, "grandchildren, indented twice")
            #expect(output.stdout.contains("error: DeviceNotFound"), "a missing path is QEMU's error")
            #expect(output.status == 1)
        }
    }
}
