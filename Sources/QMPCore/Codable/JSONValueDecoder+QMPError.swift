extension JSONValueDecoder {
    /// Decodes `value` as `type`, failing with a ``QMPError`` that says where.
    ///
    /// - Parameters:
    ///   - what: What `value` is, for the message: `"the result of 'query-status'"`.
    ///   - command: The command the value answers, if any.
    /// - Throws: ``QMPError/Code/decodingFailed`` with ``QMPError/memberPath`` (the member
    ///   that did not fit, `""` for the value itself) and ``QMPError/value`` (`value` untyped).
    public func decodeReply<T: Decodable>(_ type: T.Type, from value: JSONValue, what: String, command: String?) throws(QMPError) -> T {
        do {
            return try decode(type, from: value)
        } catch {
            let (path, reason) = Self.describe(error)
            let place = path.isEmpty ? "" : " at '\(path)'"
            throw QMPError(
                .decodingFailed, "\(what) does not decode as \(type)\(place): \(reason)",
                command: command, value: value, memberPath: path)
        }
    }

    /// The member path (`[0].inserted.ro`) and a short reason for a decoding error.
    static func describe(_ error: any Error) -> (String, String) {
        guard let error = error as? DecodingError else { return ("", "\(error)") }
        switch error {
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            return (path(context.codingPath), context.debugDescription)
        case .valueNotFound(_, let context):
            return (path(context.codingPath), "the value is missing (\(context.debugDescription))")
        case .keyNotFound(let key, let context):
            return (path(context.codingPath + [key]), "the required member is missing")
        @unknown default:
            return ("", "\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return out
    }
}
