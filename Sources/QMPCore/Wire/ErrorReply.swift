/// The body of a failed reply: `{"error": {"class": "CommandNotFound", "desc": "…"}, "id": "…"}`.
///
/// An `Error` in its own right, so a simulated command's handler can throw one, with or
/// without `QMPMock` imported.
public struct ErrorReply: Error, Sendable, Hashable {
    /// QEMU's error class, e.g. `GenericError` or `CommandNotFound`.
    public var errorClass: String
    /// QEMU's human-readable text.
    public var description: String
    /// The id of the command, or `nil` when QEMU could not tell which command failed
    /// (its errors about malformed input carry no id).
    public var id: JSONValue?

    /// Creates an error reply, as a simulated command would fail or a test would expect one.
    ///
    /// `errorClass` is one of QEMU's classes (`GenericError`, `CommandNotFound`,
    /// `DeviceNotFound`, …). A simulated command's handler leaves `id` `nil`: the
    /// simulator replies with the command's own id.
    public init(errorClass: String, description: String, id: JSONValue? = nil) {
        self.errorClass = errorClass
        self.description = description
        self.id = id
    }

    /// Reads the error of a message of kind ``Message/Kind/error``; `nil` for other messages.
    public init?(_ message: Message) {
        guard let error = message["error"] else { return nil }
        errorClass = error["class"]?.stringValue ?? "GenericError"
        description = error["desc"]?.stringValue ?? "\(error)"
        id = message.id
    }

    /// The reply as a message.
    public var message: Message {
        var object: JSONObject = ["error": ["class": .string(errorClass), "desc": .string(description)]]
        if let id { object["id"] = id }
        return Message(object)
    }
}
