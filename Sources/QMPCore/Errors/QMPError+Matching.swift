/// How cancellation surfaces, decided once: every waiting call of swift-qmp throws
/// `QMPError` (its errors are typed), so a cancelled wait throws ``QMPError`` with code
/// ``QMPError/Code/cancelled``, never `CancellationError`, and `catch is CancellationError`
/// does not match it. Catch it by its code instead, as a pattern or a property:
///
/// ```swift
/// do {
///     let event = try await listener.get(timeout: .seconds(5))
/// } catch QMPError.Code.cancelled {
///     // the task was cancelled
/// } catch QMPError.Code.timedOut {
///     // nothing came in time
/// }
/// ```
///
/// ``QMPError/isCancellation`` also answers for `CancellationError`, for code that
/// handles both in one place.
extension QMPError {
    /// Whether this error reports a cancelled task.
    public var isCancellation: Bool { code == .cancelled }

    /// Whether `error` reports a cancelled task: a ``QMPError`` with code
    /// ``QMPError/Code/cancelled``, or Swift's `CancellationError`.
    public static func isCancellation(_ error: any Error) -> Bool {
        (error as? QMPError)?.code == .cancelled || error is CancellationError
    }
}

extension QMPError.Code {
    /// Lets a `catch` clause match a code: `catch QMPError.Code.timedOut { … }`.
    public static func ~= (code: QMPError.Code, error: any Error) -> Bool {
        (error as? QMPError)?.code == code
    }

    /// Lets a `catch` clause of a typed `throws(QMPError)` body match a code.
    public static func ~= (code: QMPError.Code, error: QMPError) -> Bool {
        error.code == code
    }
}
