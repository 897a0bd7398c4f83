/// The one error type of swift-qmp.
///
/// A struct with an extensible ``Code`` rather than an enum, so new kinds of
/// failure can be added without breaking `switch` statements in user code.
/// Every error carries a human-readable ``message`` that names what failed
/// (the command, the path or address, the byte offset) so that logging
/// `String(describing: error)` is enough to act on it.
///
/// ```swift
/// do {
///     try await client.execute("blockdev-del", arguments: ["node-name": "x"])
/// } catch let error where error.code == .commandFailed {
///     print(error.errorClass ?? "", error.errorDescription ?? "")
/// }
/// ```
public struct QMPError: Error, Sendable, Hashable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case connectionFailed, greetingFailed, negotiationFailed, commandFailed
            case malformedMessage, messageTooLarge, unexpectedReply, invalidState
            case disconnected, timedOut, cancelled, transportFailed
            case encodingFailed, decodingFailed, listenerAlreadyRegistered
            case listenerNotRegistered, cannotRemoveDefaultListener, replayMismatch
            case schemaMismatch
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The peer could not be reached: refused, missing path, unresolved host.
        public static let connectionFailed = Code(.connectionFailed)
        /// The first message was not a QMP greeting, or never came.
        public static let greetingFailed = Code(.greetingFailed)
        /// `qmp_capabilities` was refused; ``QMPError/message`` holds QEMU's text.
        public static let negotiationFailed = Code(.negotiationFailed)
        /// QEMU answered a command with an error reply (``QMPError/errorClass``,
        /// ``QMPError/errorDescription``, ``QMPError/command``).
        public static let commandFailed = Code(.commandFailed)
        /// Bytes from the peer are not valid JSON, not an object, or not a QMP message.
        public static let malformedMessage = Code(.malformedMessage)
        /// A message from the peer exceeded the configured size limit.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// A reply arrived that matches nothing the client is waiting for.
        public static let unexpectedReply = Code(.unexpectedReply)
        /// The call is not valid in the client's current runstate.
        public static let invalidState = Code(.invalidState)
        /// The connection ended while the call was waiting.
        public static let disconnected = Code(.disconnected)
        /// The call's timeout elapsed first.
        public static let timedOut = Code(.timedOut)
        /// The waiting task was cancelled.
        public static let cancelled = Code(.cancelled)
        /// A read, write or socket call failed (``QMPError/errno`` when it came from the OS).
        public static let transportFailed = Code(.transportFailed)
        /// Arguments could not be encoded as JSON.
        public static let encodingFailed = Code(.encodingFailed)
        /// A reply could not be decoded into the requested type.
        public static let decodingFailed = Code(.decodingFailed)
        /// A listener was registered twice with the same source.
        public static let listenerAlreadyRegistered = Code(.listenerAlreadyRegistered)
        /// A listener was removed from a source it is not registered with, or read after it
        /// was removed from its source (its reads then fail rather than wait forever).
        public static let listenerNotRegistered = Code(.listenerNotRegistered)
        /// The source's built-in `events` listener cannot be removed.
        public static let cannotRemoveDefaultListener = Code(.cannotRemoveDefaultListener)
        /// A replayed session saw a message that differs from the recording.
        public static let replayMismatch = Code(.replayMismatch)
        /// The command does not fit the connected QEMU's schema and was not sent (see
        /// `QMPClient.loadSchema`): ``QMPError/errorClass`` and ``QMPError/errorDescription``
        /// hold what QEMU would have answered.
        public static let schemaMismatch = Code(.schemaMismatch)

        public var description: String { "\(value)" }
    }

    /// The fields, behind one reference: errors travel inside every `Result` and typed
    /// throw of the command path, which then move one pointer instead of ten fields. A
    /// change makes a new box, so the type keeps value semantics.
    private var storage: Storage

    private final class Storage: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private struct Fields: Hashable {
        var code: Code
        var message: String
        var command: String?
        var errorClass: String?
        var errorDescription: String?
        var errno: Int32?
        var offset: Int?
        var value: JSONValue?
        var memberPath: String?
    }

    private var fields: Fields {
        get { storage.fields }
        set { storage = Storage(newValue) }
    }

    /// What kind of failure this is.
    public var code: Code {
        get { fields.code }
        set { fields.code = newValue }
    }
    /// A complete, human-readable explanation.
    public var message: String {
        get { fields.message }
        set { fields.message = newValue }
    }
    /// The command that failed, when the error belongs to one.
    public var command: String? {
        get { fields.command }
        set { fields.command = newValue }
    }
    /// QEMU's error class (`GenericError`, `CommandNotFound`, …) for ``Code/commandFailed``
    /// and ``Code/schemaMismatch``.
    public var errorClass: String? {
        get { fields.errorClass }
        set { fields.errorClass = newValue }
    }
    /// QEMU's error text (`desc`) for ``Code/commandFailed`` and ``Code/schemaMismatch``.
    public var errorDescription: String? {
        get { fields.errorDescription }
        set { fields.errorDescription = newValue }
    }
    /// The OS error number for ``Code/transportFailed`` and ``Code/connectionFailed``.
    public var errno: Int32? {
        get { fields.errno }
        set { fields.errno = newValue }
    }
    /// The byte offset into the offending input, for parse errors.
    public var offset: Int? {
        get { fields.offset }
        set { fields.offset = newValue }
    }
    /// For ``Code/decodingFailed``: the reply or event data as received, still reachable untyped.
    public var value: JSONValue? {
        get { fields.value }
        set { fields.value = newValue }
    }
    /// For ``Code/decodingFailed``: where in ``value`` decoding failed, e.g. `[0].inserted.ro`.
    public var memberPath: String? {
        get { fields.memberPath }
        set { fields.memberPath = newValue }
    }

    /// Creates an error of kind `code`.
    ///
    /// The library creates these itself; make one in a custom ``Transport`` (for
    /// example ``Code/transportFailed`` with the `errno`), in a test double, or to
    /// report your own failure the same way. `message` should read on its own in
    /// a log; fill in the optional fields that belong to `code`.
    public init(
        _ code: Code,
        _ message: String,
        command: String? = nil,
        errorClass: String? = nil,
        errorDescription: String? = nil,
        errno: Int32? = nil,
        offset: Int? = nil,
        value: JSONValue? = nil,
        memberPath: String? = nil
    ) {
        storage = Storage(Fields(
            code: code, message: message, command: command, errorClass: errorClass,
            errorDescription: errorDescription, errno: errno, offset: offset, value: value, memberPath: memberPath
        ))
    }

    public static func == (lhs: QMPError, rhs: QMPError) -> Bool {
        lhs.storage === rhs.storage || lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
    }
}

extension QMPError: CustomStringConvertible {
    public var description: String { "QMPError.\(code): \(message)" }
}

extension QMPError {
    /// The error a waiting call reports when its task is cancelled.
    public static func cancelled(_ what: String) -> QMPError {
        QMPError(.cancelled, "\(what) was cancelled")
    }

    /// The error pending calls report when the session ends under them.
    public static func disconnected(_ why: String) -> QMPError {
        QMPError(.disconnected, why)
    }
}
