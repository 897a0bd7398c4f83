import Foundation

/// How long a test waits for a condition by default: generous, because the suite also
/// runs under ThreadSanitizer (5-10 times slower), yet under the suites' one-minute
/// time limits, so a test fails with the condition it waited for, not with the limit.
public let defaultWaitTimeout: Duration = .seconds(40)

/// What a test waited for did not come about in time.
public struct ConditionNotMet: Error, CustomStringConvertible {
    public let description: String
}

/// Returns once `condition` holds; throws ``ConditionNotMet`` naming `what` if it does not
/// within `timeout`.
///
/// For conditions the code under test makes observable (a listener registered, a reader
/// waiting, a socket listening, text on a terminal), never for time to pass: a fixed
/// sleep that is too short silently tests another path.
/// ```swift
/// try await waitUntil("the task registered its listener") { hub.isRegistered(listener) }
/// ```
public func waitUntil(
    _ what: @autoclosure () -> String, within timeout: Duration = defaultWaitTimeout,
    _ condition: () async throws -> Bool
) async throws {
    _ = try await waitForValue(what(), within: timeout) { try await condition() ? true : nil }
}

/// The first non-`nil` value of `probe`, asked again and again; throws ``ConditionNotMet``
/// naming `what` if there is none within `timeout`. A probe of a `JSONValue` declares
/// `-> JSONValue?` and returns `nil` on its own, not from `condition ? value : nil`:
/// there the `nil` is JSON's null, a value, and the wait ends at once.
/// ```swift
/// let status = try await waitForValue("qemu-ga reports that echo exited") {
///     let status = try await client.execute(GuestExecStatusCommand(pid: pid))
///     return status.exited ? status : nil
/// }
/// ```
public func waitForValue<Value>(
    _ what: @autoclosure () -> String, within timeout: Duration = defaultWaitTimeout,
    _ probe: () async throws -> Value?
) async throws -> Value {
    let deadline = ContinuousClock.now + timeout
    // Short pauses first: most conditions hold within a few milliseconds.
    var pause: Duration = .milliseconds(1)
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else {
            throw ConditionNotMet(description: "gave up after \(timeout) waiting until \(what())")
        }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(10))
    }
}

/// Returns once one of the package's own listeners (`UnixSocketListener`, qmp-simulator,
/// qmp-shell --listen) listens at `path`; throws ``ConditionNotMet`` if it does not within
/// `timeout`. They bind under a temporary name and rename the socket into place once it
/// listens, so the file's existence says it listens (and /proc/net/unix, which keeps the
/// name bound, would never list `path`).
public func waitUntilListening(at path: String, within timeout: Duration = defaultWaitTimeout) async throws {
    try await waitUntil("something listens on \(path)", within: timeout) { FileManager.default.fileExists(atPath: path) }
}
