/// The greeting QEMU sends when a client connects:
/// `{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "…"}, "capabilities": ["oob"]}}`.
public struct Greeting: Sendable, Hashable {
    /// QEMU's version, from the greeting's `version` member.
    ///
    /// Its ``description`` is `major.minor.micro`, such as `7.2.0`. Compare the
    /// fields to decide whether a command or argument exists before sending it.
    public struct Version: Sendable, Hashable, CustomStringConvertible {
        /// The major version (the 7 of 7.2.0).
        public var major: Int
        /// The minor version (the 2 of 7.2.0).
        public var minor: Int
        /// The micro version (the 0 of 7.2.0).
        public var micro: Int
        /// The distribution's package string, e.g. `"Debian 1:7.2+dfsg-7"`.
        public var package: String

        /// Creates a version, for a simulated QEMU's greeting or to compare against.
        public init(major: Int, minor: Int, micro: Int, package: String = "") {
            self.major = major
            self.minor = minor
            self.micro = micro
            self.package = package
        }

        public var description: String { "\(major).\(minor).\(micro)" }
    }

    /// The QEMU version the server reports.
    public var version: Version
    /// Capabilities the server offers, e.g. `["oob"]`.
    public var capabilities: [String]
    /// The greeting exactly as received.
    public var message: Message

    /// Reads a greeting out of the server's first message.
    ///
    /// - Throws: ``QMPError`` with code ``QMPError/Code/greetingFailed`` when the
    ///   message has no `QMP` object, or no integer `major`, `minor` and `micro`
    ///   under `version.qemu`.
    public init(_ message: Message) throws(QMPError) {
        guard let qmp = message["QMP"]?.objectValue else {
            throw QMPError(.greetingFailed, "expected a QMP greeting, got: \(message)")
        }
        guard let version = qmp["version"], let qemu = version["qemu"],
              let major = qemu["major"]?.intValue, let minor = qemu["minor"]?.intValue,
              let micro = qemu["micro"]?.intValue
        else {
            throw QMPError(.greetingFailed, "QMP greeting has no usable version: \(message)")
        }
        self.version = Version(
            major: Int(clamping: major), minor: Int(clamping: minor), micro: Int(clamping: micro),
            package: version["package"]?.stringValue ?? ""
        )
        capabilities = qmp["capabilities"]?.arrayValue?.compactMap(\.stringValue) ?? []
        self.message = message
    }

    /// Creates a greeting, as a simulated QEMU would send it.
    public init(version: Version, capabilities: [String] = ["oob"]) {
        let object: JSONObject = [
            "QMP": [
                "version": [
                    "qemu": ["micro": .int(Int64(version.micro)), "minor": .int(Int64(version.minor)), "major": .int(Int64(version.major))],
                    "package": .string(version.package),
                ],
                "capabilities": .array(capabilities.map(JSONValue.string)),
            ],
        ]
        self.version = version
        self.capabilities = capabilities
        self.message = Message(object)
    }
}
