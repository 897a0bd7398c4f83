public import QMPCore

extension QMPClient {
    /// Runs a command with `Encodable` arguments and decodes its result.
    ///
    /// ```swift
    /// struct Status: Decodable { var status: String; var running: Bool }
    /// struct BlockdevAdd: Encodable { var driver = "null-co"; var nodeName: String
    ///     enum CodingKeys: String, CodingKey { case driver, nodeName = "node-name" } }
    ///
    /// let status = try await client.execute("query-status", as: Status.self)
    /// try await client.execute("blockdev-add", arguments: BlockdevAdd(nodeName: "src"), as: JSONValue.self)
    /// ```
    ///
    /// - Throws: ``QMPError/Code/encodingFailed`` when the arguments are not a JSON object,
    ///   ``QMPError/Code/decodingFailed`` when the result does not fit `Result`,
    ///   and everything ``execute(_:arguments:oob:timeout:)-(_,JSONObject?,_,_)`` throws.
    nonisolated(nonsending) public func execute<Arguments: Encodable, Result: Decodable>(
        _ name: String,
        arguments: Arguments,
        as type: Result.Type = Result.self,
        oob: Bool = false,
        timeout: Duration? = nil
    ) async throws(QMPError) -> Result {
        let encoded: JSONValue
        do {
            encoded = try JSONValueEncoder().encode(arguments)
        } catch {
            throw QMPError(.encodingFailed, "arguments of '\(name)' could not be encoded: \(error)", command: name)
        }
        guard case .object(let object) = encoded else {
            throw QMPError(.encodingFailed, "arguments of '\(name)' must encode to a JSON object, not \(encoded.typeName)", command: name)
        }
        return try decode(try await execute(name, arguments: object, oob: oob, timeout: timeout), as: type, command: name)
    }

    /// Runs a command with `Encodable` arguments and returns its result untyped.
    ///
    /// ```swift
    /// try await client.execute("blockdev-add", arguments: BlockdevAdd(nodeName: "src"))
    /// ```
    @discardableResult
    nonisolated(nonsending) public func execute<Arguments: Encodable>(
        _ name: String,
        arguments: Arguments,
        oob: Bool = false,
        timeout: Duration? = nil
    ) async throws(QMPError) -> JSONValue {
        try await execute(name, arguments: arguments, as: JSONValue.self, oob: oob, timeout: timeout)
    }

    /// Runs a command and decodes its result.
    nonisolated(nonsending) public func execute<Result: Decodable>(
        _ name: String,
        arguments: JSONObject? = nil,
        as type: Result.Type,
        oob: Bool = false,
        timeout: Duration? = nil
    ) async throws(QMPError) -> Result {
        try decode(try await execute(name, arguments: arguments, oob: oob, timeout: timeout), as: type, command: name)
    }

    private func decode<Result: Decodable>(_ value: JSONValue, as type: Result.Type, command: String) throws(QMPError) -> Result {
        try JSONValueDecoder().decodeReply(type, from: value, what: "the result of '\(command)'", command: command)
    }
}
