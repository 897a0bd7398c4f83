public import QMPCore

extension Result where Failure == QMPError {
    /// The error's code, or `nil` for a success: for tests that check how a wait ended.
    public var failureCode: QMPError.Code? {
        guard case .failure(let error) = self else { return nil }
        return error.code
    }
}
