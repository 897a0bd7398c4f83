extension Event {
    /// The event's `data` decoded as `type`.
    ///
    /// ```swift
    /// struct JobStatus: Decodable { var id: String; var status: String }
    /// let change = try event.decodeData(as: JobStatus.self)
    /// ```
    ///
    /// - Throws: ``QMPError/Code/decodingFailed`` naming the event when `data` does not fit.
    public func decodeData<T: Decodable>(as type: T.Type = T.self) throws(QMPError) -> T {
        do {
            return try JSONValueDecoder().decode(type, from: .object(data))
        } catch {
            throw QMPError(.decodingFailed, "the data of event \(name) is not a \(type): \(error)")
        }
    }
}
