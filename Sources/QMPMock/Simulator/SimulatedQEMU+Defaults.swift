import QMPCore
import Synchronization

extension SimulatedQEMU {
    /// The commands a fresh simulator answers, with QEMU 7.2's replies and events.
    func installDefaultHandlers() {
        handle("query-status") { context in
            let running = context.simulator.machine.withLock { $0.running }
            return ["status": .string(running ? "running" : "paused"), "singlestep": false, "running": .bool(running)]
        }
        handle("query-version") { context in
            let version = context.simulator.version
            return [
                "qemu": ["micro": .int(Int64(version.micro)), "minor": .int(Int64(version.minor)), "major": .int(Int64(version.major))],
                "package": .string(version.package),
            ]
        }
        handle("query-commands") { context in
            .array(context.simulator.commandNames.map { ["name": .string($0)] })
        }
        handle("query-name") { _ in [:] }
        handle("query-qmp-schema") { _ in RecordedSchema.value }
        handle("stop") { context in
            let wasRunning = context.simulator.machine.withLock { state in
                defer { state.running = false }
                return state.running
            }
            if wasRunning { context.simulator.emit("STOP") }
            return [:]
        }
        handle("cont") { context in
            let wasRunning = context.simulator.machine.withLock { state in
                defer { state.running = true }
                return state.running
            }
            // QEMU emits RESUME before `cont` returns.
            if !wasRunning { context.simulator.emit("RESUME") }
            return [:]
        }
        handle("quit") { context in
            context.simulator.emit("SHUTDOWN", data: ["guest": false, "reason": "host-qmp-quit"])
            context.closeAfterReply()
            return [:]
        }
        handle("human-monitor-command") { context in
            let line = try context.string("command-line")
            let version = context.simulator.version
            let words = line.split(separator: " ").map(String.init)
            // QEMU's names for the commands that have a short form too.
            let spelled = ["stop": "stop|s", "s": "stop|s", "cont": "cont|c", "c": "cont|c"]
            switch words {
            case []: return ""
            // QEMU prints the package right after the version.
            case ["info", "version"]: return .string("\(version)\(version.package)\r\n")
            case ["info", "status"]:
                let running = context.simulator.machine.withLock { $0.running }
                return .string("VM status: \(running ? "running" : "paused")\r\n")
            case ["info", "name"]: return ""
            case ["info", "block-jobs"]:
                let jobs = context.simulator.machine.withLock(\.listedJobs)
                guard !jobs.isEmpty else { return "No active jobs\r\n" }
                return .string(jobs.map { id, job in
                    "Type backup, device \(id): Completed \(job.length) of \(job.length) bytes, speed limit 0 bytes/s\r\n"
                }.joined())
            case ["stop"], ["s"]:
                _ = try await context.simulator.handlers.withLock { $0["stop"] }?(context)
                return ""
            case ["cont"], ["c"]:
                _ = try await context.simulator.handlers.withLock { $0["cont"] }?(context)
                return ""
            case let words where words.count > 1 && spelled[words[0]] != nil:
                return .string("\(spelled[words[0]] ?? ""): extraneous characters at the end of line\r\nTry \"help \(words[0])\" for more information\r\n")
            default:
                return .string("unknown command: '\(line)'\r\n")
            }
        }
        handle("blockdev-add") { context in
            guard context.arguments["node-name"] != nil else {
                throw ErrorReply(errorClass: "GenericError", description: "'node-name' must be specified for the root node")
            }
            let name = try context.string("node-name")
            try Self.checkNodeName(name)
            // null-co's default size.
            let size = context.arguments["size"]?.intValue ?? 1 << 30
            try context.simulator.machine.withLock { state throws in
                guard state.nodes[name] == nil else {
                    throw ErrorReply(errorClass: "GenericError", description: "Duplicate nodes with node-name='\(name)'")
                }
                state.nodes[name] = size
            }
            return [:]
        }
        handle("blockdev-del") { context in
            let name = try context.string("node-name")
            try context.simulator.machine.withLock { state throws in
                guard state.nodes.removeValue(forKey: name) != nil else {
                    throw ErrorReply(errorClass: "GenericError", description: "Failed to find node with node-name='\(name)'")
                }
            }
            return [:]
        }
        handle("system_reset") { context in
            context.simulator.emit("RESET", data: ["guest": false, "reason": "host-qmp-system-reset"])
            return [:]
        }
        handle("system_powerdown") { context in
            context.simulator.emit("POWERDOWN")
            return [:]
        }
        installBackupHandlers()
    }

    /// QEMU's rule for node names: a letter, then letters, digits, `-`, `.` and `_`, under 32 in all.
    static func checkNodeName(_ name: String) throws(ErrorReply) {
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        let bytes = Array(name.utf8)
        let valid = bytes.first.map(isLetter) == true && bytes.allSatisfy { byte in
            isLetter(byte) || (0x30...0x39).contains(byte) || [0x2D, 0x2E, 0x5F].contains(byte)
        }
        guard valid else { throw ErrorReply(errorClass: "GenericError", description: "Invalid node-name: '\(name)'") }
        guard bytes.count < 32 else { throw ErrorReply(errorClass: "GenericError", description: "Node name too long") }
    }
}
