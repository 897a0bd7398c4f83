import Synchronization

/// What every soak session found, added up; any non-zero failure count fails the soak.
struct SoakTally: Sendable {
    var sessions = 0
    var killedSessions = 0
    var commandsSucceeded = 0
    var commandsTimedOut = 0
    var commandsCancelled = 0
    var commandsDisconnected = 0
    /// Errors no scenario explains (anything but the four outcomes above).
    var commandsFailedOtherwise = 0
    var eventsSentUnbounded = 0
    var eventsLostUnbounded = 0
    /// Floods into a bounded listener; in each, the drops must be exactly the overflow.
    var boundedFloods = 0
    var eventsDropped = 0
    var dropMismatches = 0
    /// Events in the wrong order or not the ones a policy keeps.
    var wrongEvents = 0
    /// Commands still pending after every caller of a session returned.
    var pendingLeft = 0
    /// Clients not idle after disconnect(), connects that failed.
    var stateErrors = 0
    /// The first unexplained errors, for the summary.
    var examples: [String] = []

    mutating func unexplained(_ error: any Error) {
        if examples.count < 5 { examples.append("\(error)") }
    }

    var failures: Int {
        commandsFailedOtherwise + eventsLostUnbounded + dropMismatches + wrongEvents + pendingLeft + stateErrors
    }

    mutating func add(_ other: SoakTally) {
        sessions += other.sessions
        killedSessions += other.killedSessions
        commandsSucceeded += other.commandsSucceeded
        commandsTimedOut += other.commandsTimedOut
        commandsCancelled += other.commandsCancelled
        commandsDisconnected += other.commandsDisconnected
        commandsFailedOtherwise += other.commandsFailedOtherwise
        eventsSentUnbounded += other.eventsSentUnbounded
        eventsLostUnbounded += other.eventsLostUnbounded
        boundedFloods += other.boundedFloods
        eventsDropped += other.eventsDropped
        dropMismatches += other.dropMismatches
        wrongEvents += other.wrongEvents
        pendingLeft += other.pendingLeft
        stateErrors += other.stateErrors
        examples += other.examples.prefix(max(0, 5 - examples.count))
    }

    var fields: [String: Any] {
        [
            "sessions": sessions, "killed_sessions": killedSessions,
            "commands_ok": commandsSucceeded, "commands_timed_out": commandsTimedOut,
            "commands_cancelled": commandsCancelled, "commands_disconnected": commandsDisconnected,
            "commands_failed_otherwise": commandsFailedOtherwise,
            "events_sent_unbounded": eventsSentUnbounded, "events_lost_unbounded": eventsLostUnbounded,
            "bounded_floods": boundedFloods, "events_dropped": eventsDropped, "drop_mismatches": dropMismatches,
            "wrong_events": wrongEvents, "pending_left": pendingLeft, "state_errors": stateErrors, "examples": examples,
        ]
    }
}

/// The tally all workers add to.
final class SoakTotals: Sendable {
    private let tally = Mutex(SoakTally())

    func add(_ session: SoakTally) { tally.withLock { $0.add(session) } }
    var snapshot: SoakTally { tally.withLock { $0 } }
}
