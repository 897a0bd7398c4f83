/// One event of a block job, read typed.
public enum JobEvent: Sendable {
    /// `JOB_STATUS_CHANGE`: the job moved to another ``JobStatus``.
    case statusChange(JobStatusChangeEvent)
    /// `BLOCK_JOB_COMPLETED`.
    case completed(BlockJobCompletedEvent)
    /// `BLOCK_JOB_CANCELLED`.
    case cancelled(BlockJobCancelledEvent)
    /// `BLOCK_JOB_ERROR`.
    case error(BlockJobErrorEvent)
    /// `BLOCK_JOB_READY`.
    case ready(BlockJobReadyEvent)
    /// `BLOCK_JOB_PENDING`.
    case pending(BlockJobPendingEvent)
}

/// The events of one block job, read as ``JobEvent`` values: the typed sibling of ``JobEvents``.
///
/// ```swift
/// let job = Listener(TypedJobEvents(id: "job1"))
/// try await client.listen(job) {
///     try await client.execute(BlockdevBackup(jobID: "job1", device: "src", sync: .full, target: "dst"))
///     for try await value in job.values {
///         if case .statusChange(let change) = value, change.status == .concluded { break }
///     }
/// }
/// ```
public struct TypedJobEvents: TypedEventPredicate {
    private let events: JobEvents

    /// The job's id, the `job-id` given when the job was started.
    public var id: String { events.id }

    /// Accepts the events of the job named `id`.
    public init(id: String) { events = JobEvents(id: id) }

    /// Whether `event` is one of ``JobEvents/names`` and names this job.
    public func accepts(_ event: Event) -> Bool { events.accepts(event) }

    /// The event as a ``JobEvent``.
    ///
    /// - Throws: ``QMPError/Code/decodingFailed`` when its data does not fit, or when it is not a job event.
    public func value(of event: Event) throws(QMPError) -> JobEvent {
        switch event.name {
        case JobStatusChangeEvent.eventName: .statusChange(try event.decodeData(as: JobStatusChangeEvent.self))
        case BlockJobCompletedEvent.eventName: .completed(try event.decodeData(as: BlockJobCompletedEvent.self))
        case BlockJobCancelledEvent.eventName: .cancelled(try event.decodeData(as: BlockJobCancelledEvent.self))
        case BlockJobErrorEvent.eventName: .error(try event.decodeData(as: BlockJobErrorEvent.self))
        case BlockJobReadyEvent.eventName: .ready(try event.decodeData(as: BlockJobReadyEvent.self))
        case BlockJobPendingEvent.eventName: .pending(try event.decodeData(as: BlockJobPendingEvent.self))
        default: throw QMPError(.decodingFailed, "\(event.name) is not a job event", value: .object(event.data))
        }
    }
}
