import QMPCore

/// The simulated machine: run state, block nodes and jobs.
struct MachineState {
    var running = true
    /// Block nodes by node-name, with their size in bytes.
    var nodes: [String: Int64] = [:]
    /// The jobs QEMU would list: each from its `created` until it goes (`null`), which for
    /// one started with `auto-dismiss: false` is its `job-dismiss`.
    var jobs: [String: SimulatedJob] = [:]

    /// The jobs by id, as QEMU's `query-jobs`, `query-block-jobs` and `info block-jobs` list them.
    var listedJobs: [(id: String, job: SimulatedJob)] {
        jobs.sorted { $0.key < $1.key }.map { (id: $0.key, job: $0.value) }
    }
}

/// A backup job. The simulator runs each to its end at once, as QEMU 7.2 does between
/// null-co nodes before it even replies, so a listed job is one that waits to be dismissed.
struct SimulatedJob {
    /// Its `len` and `offset` at the end: the source's size in whole 64 KiB clusters.
    var length: Int64
    var autoDismiss: Bool
    var concluded = false

    /// Its status as QEMU names it.
    var status: JSONValue { concluded ? "concluded" : "running" }
}
