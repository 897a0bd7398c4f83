import QMPCore
import Synchronization

extension SimulatedQEMU {
    /// `blockdev-backup`, and `transaction` with `blockdev-backup` and `abort` actions,
    /// with the job events QEMU 7.2 sends for backups between small null-co nodes,
    /// which finish before QEMU even replies.
    func installBackupHandlers() {
        handle("blockdev-backup") { context in
            let simulator = context.simulator
            let job = try simulator.reserveBackup(context.arguments)
            simulator.emitJobStatus(job, "created")
            simulator.emitJobStatus(job, "running")
            simulator.completeBackup(job)
            return [:]
        }
        handle("transaction") { context in
            try context.simulator.runTransaction(context.arguments)
        }
    }

    /// QEMU's order: every action is checked first; then each is prepared in turn,
    /// and if one fails, those prepared before it abort. Recorded with one and two
    /// backups: the jobs start, pause and resume together, and with two, the second
    /// completes first.
    private func runTransaction(_ arguments: JSONObject) throws(ErrorReply) -> JSONValue {
        guard let actions = arguments["actions"]?.arrayValue else {
            throw ErrorReply(errorClass: "GenericError", description: "Parameter 'actions' is missing")
        }
        var steps: [(type: String, data: JSONObject)] = []
        for action in actions {
            let type = try (action.objectValue ?? [:]).requiredString("type")
            guard ["blockdev-backup", "abort"].contains(type) else {
                let description = Self.otherTransactionActions.contains(type)
                    ? "qmp-simulator does not implement transaction action '\(type)'"
                    : "Parameter 'type' does not accept value '\(type)'"
                throw ErrorReply(errorClass: "GenericError", description: description)
            }
            steps.append((type, action["data"]?.objectValue ?? [:]))
        }
        var jobs: [String] = []
        do throws(ErrorReply) {
            for step in steps {
                guard step.type == "blockdev-backup" else {
                    throw ErrorReply(errorClass: "GenericError", description: "Transaction aborted using Abort action")
                }
                let job = try reserveBackup(step.data)
                jobs.append(job)
                emitJobStatus(job, "created")
            }
        } catch {
            for job in jobs {
                for status in ["aborting", "concluded", "null"] { emitJobStatus(job, status) }
                _ = machine.withLock { $0.jobs.remove(job) }
            }
            throw error
        }
        for job in jobs {
            emitJobStatus(job, "running")
            emitJobStatus(job, "paused")
        }
        for job in jobs { emitJobStatus(job, "running") }
        for job in jobs.reversed() { completeBackup(job) }
        return [:]
    }

    /// QEMU 7.2's other action types, which the simulator knows but does not carry out.
    private static let otherTransactionActions: Set = [
        "block-dirty-bitmap-add", "block-dirty-bitmap-remove", "block-dirty-bitmap-clear",
        "block-dirty-bitmap-enable", "block-dirty-bitmap-disable", "block-dirty-bitmap-merge",
        "blockdev-snapshot", "blockdev-snapshot-internal-sync", "blockdev-snapshot-sync", "drive-backup",
    ]

    /// Checks a backup's arguments and claims its job id, with QEMU's errors.
    private func reserveBackup(_ arguments: JSONObject) throws(ErrorReply) -> String {
        let device = try arguments.requiredString("device")
        let target = try arguments.requiredString("target")
        _ = try arguments.requiredString("sync")
        let job = arguments["job-id"]?.stringValue ?? device
        try machine.withLock { state throws(ErrorReply) in
            for node in [device, target] where !state.nodes.contains(node) {
                throw ErrorReply(errorClass: "GenericError", description: "Cannot find device='\(node)' nor node-name='\(node)'")
            }
            guard state.jobs.insert(job).inserted else {
                throw ErrorReply(errorClass: "GenericError", description: "Job ID '\(job)' already in use")
            }
        }
        return job
    }

    /// A running backup's last events, as recorded; the job id is free again afterwards.
    private func completeBackup(_ job: String) {
        emitJobStatus(job, "waiting")
        emitJobStatus(job, "pending")
        emit("BLOCK_JOB_COMPLETED", data: [
            "device": .string(job), "len": 1_048_576, "offset": 1_048_576, "speed": 0, "type": "backup",
        ])
        emitJobStatus(job, "concluded")
        emitJobStatus(job, "null")
        _ = machine.withLock { $0.jobs.remove(job) }
    }

    private func emitJobStatus(_ job: String, _ status: String) {
        emit("JOB_STATUS_CHANGE", data: ["status": .string(status), "id": .string(job)])
    }
}
