internal import FoundationEssentials
import QMPCore
import Synchronization

/// What a ``SimulatedGuestAgent`` keeps across its connections, as one agent process does.
struct AgentState: Sendable {
    struct OpenFile: Sendable {
        var path: String
        var position: Int
        var appends: Bool
    }

    struct Process: Sendable {
        var exitCode: Int
        var output: [UInt8]?
    }

    var files: [String: [UInt8]] = [:]
    var handles: [Int: OpenFile] = [:]
    var nextHandle = 1000
    var processes: [Int: Process] = [:]
    var nextPID = 4000
    var powerRequests: [String] = []
}

extension SimulatedGuestAgent {
    enum Outcome {
        case value(JSONValue)
        /// `guest-sync-delimited`: the reply goes out after the byte 0xFF.
        case delimited(JSONValue)
        /// No reply at all, as for `guest-shutdown` on success.
        case nothing
    }

    /// Commands that answer nothing on success.
    static let silentCommands: Set<String> = ["guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid"]

    static let commandNames = [
        "guest-sync", "guest-sync-delimited", "guest-ping", "guest-info", "guest-get-host-name",
        "guest-exec", "guest-exec-status", "guest-file-open", "guest-file-read", "guest-file-write",
        "guest-file-seek", "guest-file-flush", "guest-file-close",
    ] + silentCommands.sorted()

    func run(_ name: String, _ arguments: JSONObject) throws -> Outcome {
        switch name {
        case "guest-sync": return .value(try Self.required("id", arguments))
        case "guest-sync-delimited": return .delimited(try Self.required("id", arguments))
        case "guest-ping", "guest-file-flush": return .value([:])
        case "guest-get-host-name": return .value(["host-name": "simulated-guest"])
        case "guest-info":
            return .value([
                "version": .string(version),
                "supported_commands": .array(Self.commandNames.map { command in
                    ["enabled": true, "name": .string(command), "success-response": .bool(!Self.silentCommands.contains(command))]
                }),
            ])
        case "guest-shutdown":
            let mode = arguments["mode"]?.stringValue ?? "powerdown"
            // It fails, and then answers, like the real one: how a client's handling of a
            // no-reply command's late error can be tested.
            guard ["powerdown", "halt", "reboot"].contains(mode) else {
                throw ErrorReply(errorClass: "GenericError", description: "mode '\(mode)' is not powerdown, halt or reboot")
            }
            state.withLock { $0.powerRequests.append("guest-shutdown:\(mode)") }
            return .nothing
        case let suspend where Self.silentCommands.contains(suspend):
            state.withLock { $0.powerRequests.append(suspend) }
            return .nothing
        case "guest-exec": return .value(try exec(arguments))
        case "guest-exec-status": return .value(try execStatus(arguments))
        case "guest-file-open": return .value(try openFile(arguments))
        case "guest-file-read": return .value(try readFile(arguments))
        case "guest-file-write": return .value(try writeFile(arguments))
        case "guest-file-seek": return .value(try seekFile(arguments))
        case "guest-file-close":
            let handle = try Self.integer("handle", arguments)
            guard state.withLock({ $0.handles.removeValue(forKey: handle) }) != nil else { throw Self.badHandle(handle) }
            return .value([:])
        default:
            throw ErrorReply(errorClass: "CommandNotFound", description: "The command \(name) has not been found")
        }
    }

    /// Simulates `echo` (its arguments) and `cat` (its input); runs nothing.
    private func exec(_ arguments: JSONObject) throws -> JSONValue {
        let path = try arguments.requiredString("path")
        let args = arguments["arg"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let output: [UInt8]
        switch path.split(separator: "/").last.map(String.init) {
        case "echo": output = Array((args.joined(separator: " ") + "\n").utf8)
        case "cat":
            output = try arguments["input-data"]?.stringValue.map(Self.base64) ?? []
        default:
            throw ErrorReply(errorClass: "GenericError", description: "the simulated agent runs only echo and cat, not \(path)")
        }
        let captured = arguments["capture-output"]?.boolValue == true ? output : nil
        let pid = state.withLock { state in
            state.nextPID += 1
            state.processes[state.nextPID] = AgentState.Process(exitCode: 0, output: captured)
            return state.nextPID
        }
        return ["pid": .int(Int64(pid))]
    }

    private func execStatus(_ arguments: JSONObject) throws -> JSONValue {
        let pid = try Self.integer("pid", arguments)
        // Reaped once reported, as by the real agent.
        guard let process = state.withLock({ $0.processes.removeValue(forKey: pid) }) else {
            throw ErrorReply(errorClass: "GenericError", description: "Invalid parameter 'pid'")
        }
        var status: JSONObject = ["exited": true, "exitcode": .int(Int64(process.exitCode))]
        if let output = process.output {
            status["out-data"] = .string(Data(output).base64EncodedString())
            status["out-truncated"] = false
        }
        return .object(status)
    }

    private func openFile(_ arguments: JSONObject) throws -> JSONValue {
        let path = try arguments.requiredString("path")
        let mode = arguments["mode"]?.stringValue ?? "r"
        return try state.withLock { state throws(ErrorReply) -> JSONValue in
            switch mode.first {
            case "r":
                guard state.files[path] != nil else {
                    throw ErrorReply(
                        errorClass: "GenericError", description: "failed to open file '\(path)' (mode: '\(mode)'): No such file or directory")
                }
            case "w": state.files[path] = []
            case "a": state.files[path, default: []] += []
            default: throw ErrorReply(errorClass: "GenericError", description: "invalid file open mode '\(mode)'")
            }
            state.nextHandle += 1
            state.handles[state.nextHandle] = AgentState.OpenFile(path: path, position: 0, appends: mode.first == "a")
            return .int(Int64(state.nextHandle))
        }
    }

    private func readFile(_ arguments: JSONObject) throws -> JSONValue {
        let handle = try Self.integer("handle", arguments)
        let count = try arguments["count"].map { _ in try Self.integer("count", arguments) } ?? 4096
        guard count >= 0 else {
            throw ErrorReply(errorClass: "GenericError", description: "value '\(count)' is invalid for argument count")
        }
        return try state.withLock { state throws(ErrorReply) -> JSONValue in
            guard var file = state.handles[handle] else { throw Self.badHandle(handle) }
            let contents = state.files[file.path] ?? []
            let end = file.position + min(count, contents.count - file.position)
            let chunk = contents[min(file.position, end)..<end]
            file.position = end
            state.handles[handle] = file
            return ["count": .int(Int64(chunk.count)), "buf-b64": .string(Data(chunk).base64EncodedString()), "eof": .bool(chunk.count < count)]
        }
    }

    private func writeFile(_ arguments: JSONObject) throws -> JSONValue {
        let handle = try Self.integer("handle", arguments)
        let decoded = try Self.base64(try arguments.requiredString("buf-b64"))
        // The agent writes `count` bytes of the decoded buffer, when given.
        let count = try arguments["count"].map { _ in try Self.integer("count", arguments) } ?? decoded.count
        guard (0...decoded.count).contains(count) else {
            throw ErrorReply(errorClass: "GenericError", description: "value '\(count)' is invalid for argument count")
        }
        let bytes = Array(decoded.prefix(count))
        return try state.withLock { state throws(ErrorReply) -> JSONValue in
            guard var file = state.handles[handle] else { throw Self.badHandle(handle) }
            var contents = state.files[file.path] ?? []
            // Another handle may have truncated the file meanwhile.
            file.position = file.appends ? contents.count : min(file.position, contents.count)
            let end = min(contents.count, file.position + bytes.count)
            contents.replaceSubrange(file.position..<end, with: bytes)
            file.position += bytes.count
            state.files[file.path] = contents
            state.handles[handle] = file
            return ["count": .int(Int64(bytes.count)), "eof": false]
        }
    }

    private func seekFile(_ arguments: JSONObject) throws -> JSONValue {
        let handle = try Self.integer("handle", arguments)
        let offset = try Self.integer("offset", arguments)
        let whence = try Self.whence(arguments)
        return try state.withLock { state throws(ErrorReply) -> JSONValue in
            guard var file = state.handles[handle] else { throw Self.badHandle(handle) }
            let size = state.files[file.path]?.count ?? 0
            let base = whence == "cur" ? file.position : whence == "end" ? size : 0
            // Unlike a real file, no seeking past the end: the simulation keeps files dense.
            let (position, overflow) = base.addingReportingOverflow(offset)
            guard !overflow, (0...size).contains(position) else {
                throw ErrorReply(errorClass: "GenericError", description: "the simulated agent cannot seek to \(offset) from \(whence)")
            }
            file.position = position
            state.handles[handle] = file
            // The agent's `eof` comes from the stream's flag, which a seek clears.
            return ["position": .int(Int64(file.position)), "eof": false]
        }
    }

    private static func required(_ name: String, _ arguments: JSONObject) throws(ErrorReply) -> JSONValue {
        guard let value = arguments[name] else {
            throw ErrorReply(errorClass: "GenericError", description: "Parameter '\(name)' is missing")
        }
        return value
    }

    private static func integer(_ name: String, _ arguments: JSONObject) throws(ErrorReply) -> Int {
        guard let value = try required(name, arguments).intValue, let int = Int(exactly: value) else {
            throw ErrorReply(errorClass: "GenericError", description: "Invalid parameter type for '\(name)', expected: integer")
        }
        return int
    }

    private static func base64(_ text: String) throws(ErrorReply) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else {
            throw ErrorReply(errorClass: "GenericError", description: "Base64 data contains invalid characters")
        }
        return Array(data)
    }

    /// `whence`: `set`, `cur` or `end`, or QMP's older integer codes 0, 1 and 2. Its presence
    /// and type, and a name's spelling, are checked with the other arguments (``argumentSchema``).
    private static func whence(_ arguments: JSONObject) throws(ErrorReply) -> String {
        if let name = arguments["whence"]?.stringValue { return name }
        let code = try integer("whence", arguments)
        guard (0...2).contains(code) else { throw ErrorReply(errorClass: "GenericError", description: "invalid whence code \(code)") }
        return ["set", "cur", "end"][code]
    }

    private static func badHandle(_ handle: Int) -> ErrorReply {
        ErrorReply(errorClass: "GenericError", description: "handle '\(handle)' has not been found")
    }
}
