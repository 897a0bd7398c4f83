public import QMPCore

/// The events of one block job: the seed's `JobListener` subclass, as a predicate.
///
/// `JOB_STATUS_CHANGE` and `BLOCK_JOB_PENDING` name the job in `data.id`; the
/// other `BLOCK_JOB_*` events name it in `data.device`.
///
/// ```swift
/// try await client.listener(JobEvents(id: "job4")) { job in
///     try await client.execute("blockdev-backup", arguments: [...])
///     for try await event in job where event.name == "BLOCK_JOB_COMPLETED" { break }
/// }
/// ```
public struct JobEvents: EventPredicate {
    /// The event names a job emits.
    public static let names: Set<String> = [
        "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR",
        "BLOCK_JOB_READY", "BLOCK_JOB_PENDING", "JOB_STATUS_CHANGE",
    ]

    /// The job's id, the `job-id` given when the job was started.
    public let id: String

    /// Accepts the events of the job named `id`.
    public init(id: String) { self.id = id }

    /// Whether `event` is one of ``names`` and names this job.
    public func accepts(_ event: Event) -> Bool {
        guard Self.names.contains(event.name) else { return false }
        let key = event.name == "BLOCK_JOB_PENDING" || event.name == "JOB_STATUS_CHANGE" ? "id" : "device"
        return event.data[key]?.stringValue == id
    }
}
