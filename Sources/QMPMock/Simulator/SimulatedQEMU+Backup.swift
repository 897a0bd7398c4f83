import QMPCore
import Synchronization

extension SimulatedQEMU {
    /// `blockdev-backup`, and `transaction` with `blockdev-backup` and `abort` actions,
    /// with the job events QEMU 7.2 sends for backups between null-co nodes, which finish
    /// before QEMU even replies; `job-dismiss` and `query-jobs` for those started with
    /// `auto-dismiss: false`.
    func installBackupHandlers() {
        handle("blockdev-backup") { context in
            let simulator = context.simulator
            let job = try simulator.reserveBackup(context.arguments)
            for status in ["created", "running", "paused", "running"] { simulator.emitJobStatus(job, status) }
            simulator.completeBackup(job)
            return [:]
        }
        handle("transaction") { context in
            try context.simulator.runTransaction(context.arguments)
        }
        handle("job-dismiss") { context in
            let simulator = context.simulator
            let id = try context.string("id")
            try simulator.machine.withLock { state throws(ErrorReply) in
                guard let job = state.jobs[id] else { throw ErrorReply(errorClass: "GenericError", description: "Job not found") }
                guard job.concluded else {
                    throw ErrorReply(errorClass: "GenericError", description: "Job '\(id)' in state 'running' cannot accept command verb 'dismiss'")
                }
                state.jobs[id] = nil
            }
            simulator.emitJobStatus(id, "null")
            return [:]
        }
        handle("query-jobs") { context in
            .array(context.simulator.machine.withLock(\.listedJobs).map { id, job in
                ["current-progress": .int(job.length), "status": job.status, "total-progress": .int(job.length), "type": "backup", "id": .string(id)]
            })
        }
        handle("query-block-jobs") { context in
            .array(context.simulator.machine.withLock(\.listedJobs).map { id, job in
                ["auto-finalize": true, "io-status": "ok", "device": .string(id), "auto-dismiss": .bool(job.autoDismiss),
                 "busy": false, "len": .int(job.length), "offset": .int(job.length), "status": job.status,
                 "paused": false, "speed": 0, "ready": false, "type": "backup"]
            })
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
                _ = machine.withLock { $0.jobs.removeValue(forKey: job) }
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

    /// Checks a backup's arguments and claims its job id, with QEMU's errors in QEMU's order.
    private func reserveBackup(_ arguments: JSONObject) throws(ErrorReply) -> String {
        let device = try arguments.requiredString("device")
        let target = try arguments.requiredString("target")
        _ = try arguments.requiredString("sync")
        // A node-name is no block device name, so QEMU takes no default job id from it.
        let job = arguments["job-id"]?.stringValue ?? ""
        let autoDismiss = arguments["auto-dismiss"]?.boolValue ?? true
        try machine.withLock { state throws(ErrorReply) in
            var sizes: [Int64] = []
            for node in [device, target] {
                guard let size = state.nodes[node] else {
                    throw ErrorReply(errorClass: "GenericError", description: "Cannot find device='\(node)' nor node-name='\(node)'")
                }
                sizes.append(size)
            }
            guard device != target else { throw ErrorReply(errorClass: "GenericError", description: "Source and target cannot be the same") }
            guard sizes[0] == sizes[1] else {
                throw ErrorReply(errorClass: "GenericError", description: "Source and target image have different sizes")
            }
            guard !job.isEmpty else { throw ErrorReply(errorClass: "GenericError", description: "Invalid job ID ''") }
            guard state.jobs[job] == nil else { throw ErrorReply(errorClass: "GenericError", description: "Job ID '\(job)' already in use") }
            let cluster: Int64 = 65_536
            state.jobs[job] = SimulatedJob(length: (sizes[0] + cluster - 1) / cluster * cluster, autoDismiss: autoDismiss)
        }
        return job
    }

    /// A running backup's last events, as recorded. An auto-dismissed job goes at once
    /// (its id is free again); another stays `concluded` until `job-dismiss`.
    private func completeBackup(_ job: String) {
        emitJobStatus(job, "waiting")
        emitJobStatus(job, "pending")
        let finished = machine.withLock { state -> SimulatedJob? in
            state.jobs[job]?.concluded = true
            guard let finished = state.jobs[job] else { return nil }
            if finished.autoDismiss { state.jobs[job] = nil }
            return finished
        }
        let length = finished?.length ?? 0
        emit("BLOCK_JOB_COMPLETED", data: [
            "device": .string(job), "len": .int(length), "offset": .int(length), "speed": 0, "type": "backup",
        ])
        emitJobStatus(job, "concluded")
        if finished?.autoDismiss ?? true { emitJobStatus(job, "null") }
    }

    private func emitJobStatus(_ job: String, _ status: String) {
        emit("JOB_STATUS_CHANGE", data: ["status": .string(status), "id": .string(job)])
    }
}
