extension Event {
    /// The event's `data` decoded as `type`.
    ///
    /// ```swift
    /// struct JobStatus: Decodable { var id: String; var status: String }
    /// let change = try event.decodeData(as: JobStatus.self)
    /// ```
    ///
    /// - Throws: ``QMPError/Code/decodingFailed`` naming the event and the member that does
    ///   not fit (``QMPError/memberPath``), with `data` untyped in ``QMPError/value``.
    public func decodeData<T: Decodable>(as type: T.Type = T.self) throws(QMPError) -> T {
        try JSONValueDecoder().decodeReply(type, from: .object(data), what: "the data of event \(name)", command: nil)
    }
}
