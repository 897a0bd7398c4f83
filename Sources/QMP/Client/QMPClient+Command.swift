public import QMPCore

extension QMPClient {
    /// Runs a command value and returns its typed result.
    ///
    /// ```swift
    /// import QMPTypes
    /// let status = try await client.execute(QueryStatus())       // a StatusInfo
    /// if status.status == .running { ... }
    /// try await client.execute(BlockdevBackup(jobID: "job1", device: "src", sync: .full, target: "dst"))
    /// ```
    ///
    /// Members the reply has and `Command.Result` lacks (a newer QEMU's) are ignored.
    ///
    /// - Throws: ``QMPError/Code/decodingFailed`` when the reply does not fit `Command.Result`,
    ///   naming the command and the member (``QMPError/memberPath``), with the reply untyped in
    ///   ``QMPError/value``; ``QMPError/Code/encodingFailed`` when the arguments are not an
    ///   object; and everything ``execute(_:arguments:oob:timeout:)-(_,JSONObject?,_,_)`` throws.
    @discardableResult
    nonisolated(nonsending) public func execute<Command: QMPCommand>(
        _ command: Command,
        oob: Bool = false,
        timeout: Duration? = nil
    ) async throws(QMPError) -> Command.Result {
        try await execute(Command.name, arguments: command, as: Command.Result.self, oob: oob, timeout: timeout)
    }
}
