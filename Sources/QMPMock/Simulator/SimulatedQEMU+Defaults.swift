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
            switch line.split(separator: " ").map(String.init) {
            case ["info", "version"]: return .string("\(version) (\(version.package))\r\n")
            case ["info", "status"]:
                let running = context.simulator.machine.withLock { $0.running }
                return .string("VM status: \(running ? "running" : "paused")\r\n")
            case ["stop"]:
                _ = try await context.simulator.handlers.withLock { $0["stop"] }?(context)
                return ""
            case ["cont"], ["c"]:
                _ = try await context.simulator.handlers.withLock { $0["cont"] }?(context)
                return ""
            default:
                return .string("unknown command: '\(line)'\r\n")
            }
        }
        handle("blockdev-add") { context in
            guard context.arguments["node-name"] != nil else {
                throw ErrorReply(errorClass: "GenericError", description: "'node-name' must be specified for the root node")
            }
            let name = try context.string("node-name")
            try context.simulator.machine.withLock { state throws in
                guard state.nodes.insert(name).inserted else {
                    throw ErrorReply(errorClass: "GenericError", description: "Duplicate nodes with node-name='\(name)'")
                }
            }
            return [:]
        }
        handle("blockdev-del") { context in
            let name = try context.string("node-name")
            try context.simulator.machine.withLock { state throws in
                guard state.nodes.remove(name) != nil else {
                    throw ErrorReply(errorClass: "GenericError", description: "Failed to find node with node-name='\(name)'")
                }
            }
            return [:]
        }
        handle("query-block-jobs") { context in
            .array(context.simulator.machine.withLock { $0.jobs.sorted() }.map { ["device": .string($0), "type": "backup"] })
        }
        installBackupHandlers()
    }
}
