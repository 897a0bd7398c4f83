public import QMPCore
import Synchronization

/// A stand-in for the QEMU Guest Agent (`qemu-ga`), so agent code can be tested without
/// a guest or a real agent.
///
/// It speaks the agent's protocol the way QEMU 7.2's does: no greeting, replies ending in
/// `\n`, ids echoed (unless ``init(version:echoesIDs:)`` says otherwise), and the byte
/// 0xFF resetting its parser with an error reply, so `QMPClient.connectToGuestAgent(_:timeout:)`'s
/// handshake runs as against the real one. It answers `guest-sync`, `guest-sync-delimited`,
/// `guest-ping`, `guest-info` (with each command's `success-response`), `guest-get-host-name`,
/// `guest-exec` and `guest-exec-status` (only `echo` and `cat` are simulated, nothing is run),
/// and `guest-file-open`, `-read`, `-write`, `-seek`, `-flush` and `-close` on files kept in
/// memory. `guest-shutdown` and `guest-suspend-*` answer nothing, as the real ones do on
/// success, and only count the request (see ``powerRequests``): the host is never touched.
/// A `guest-shutdown` with a `mode` other than `powerdown`, `halt` or `reboot` fails with
/// an error reply instead, as a real one that fails does.
///
/// ```swift
/// let agent = SimulatedGuestAgent()
/// let client = QMPClient()
/// try await client.connectToGuestAgent(agent.makeClientTransport())
/// try await client.execute("guest-ping")
/// ```
public final class SimulatedGuestAgent: Sendable {
    /// The version `guest-info` reports.
    public let version: String
    /// Whether replies carry the command's `id`; old agents' did not.
    public let echoesIDs: Bool
    let state = Lock(AgentState())

    /// Creates an agent with no files and no processes.
    /// - Parameters:
    ///   - version: What `guest-info` reports; `"7.2.0"` by default.
    ///   - echoesIDs: `false` to behave like an agent that answers without ids.
    public init(version: String = "7.2.0", echoesIDs: Bool = true) {
        self.version = version
        self.echoesIDs = echoesIDs
    }

    /// The `guest-shutdown` and `guest-suspend-*` commands received, in order, as
    /// `"guest-shutdown:MODE"` or the command's name.
    public var powerRequests: [String] { state.withLock { $0.powerRequests } }

    /// A simulated file's contents, `nil` when no such file was written.
    public func contents(ofFile path: String) -> [UInt8]? {
        state.withLock { $0.files[path] }
    }

    /// Puts a file into the simulated guest.
    public func setContents(_ bytes: [UInt8], ofFile path: String) {
        state.withLock { $0.files[path] = bytes }
    }

    /// A transport connected to a new session of this agent, served in the background.
    public func makeClientTransport() -> InProcessTransport {
        let (client, server) = InProcessTransport.makePair()
        Task { await self.serve(server) }
        return client
    }

    /// Serves one client on `transport` until it disconnects.
    ///
    /// A message longer than `MessageFramer.defaultMaxMessageSize` gets an error reply, and
    /// what follows is ignored up to the next 0xFF, which a client sends to resynchronise
    /// (`guest-sync-delimited`): the session goes on, as the real agent's does past its
    /// own, larger, limit.
    public func serve(_ transport: some Transport) async {
        var framer = MessageFramer()
        var skippingToReset = false
        do {
            while let chunk = try await transport.receive() {
                // Each 0xFF resets the parser: whatever it held is lost, and the byte gets an error.
                var rest = chunk[...]
                while true {
                    let reset = rest.firstIndex(of: 0xFF)
                    if !skippingToReset {
                        framer.append(rest[..<(reset ?? rest.endIndex)])
                        let (replies, tooLarge) = respond(toFramesIn: &framer)
                        for reply in replies { try await transport.send(reply) }
                        if let tooLarge {
                            skippingToReset = true
                            try await transport.send(errorLine("JSON parse error, \(tooLarge.message)"))
                        }
                    }
                    guard let reset else { break }
                    framer = MessageFramer()
                    skippingToReset = false
                    try await transport.send(errorLine("JSON parse error, stray byte 0xFF"))
                    rest = rest[(reset + 1)...]
                }
            }
        } catch {}
        await transport.close()
    }

    /// The answers to every complete frame `framer` holds, and the error that stopped it
    /// if a frame was too large.
    private func respond(toFramesIn framer: inout MessageFramer) -> (replies: [[UInt8]], tooLarge: QMPError?) {
        var replies: [[UInt8]] = []
        do {
            while let frame = try framer.nextFrame() {
                let reply = respond(to: frame)
                if !reply.isEmpty { replies.append(reply) }
            }
            return (replies, nil)
        } catch {
            return (replies, error)
        }
    }

    private func errorLine(_ description: String) -> [UInt8] {
        line(ErrorReply(errorClass: "GenericError", description: description).message.object)
    }

    /// The bytes that answer one frame; none for a command that does not answer.
    private func respond(to frame: ArraySlice<UInt8>) -> [UInt8] {
        let object: JSONObject
        do {
            guard case .object(let parsed) = try JSONParser.parse(frame) else {
                return errorLine("QMP input must be a JSON object")
            }
            object = parsed
        } catch {
            return errorLine("JSON parse error, \(error.reason)")
        }
        let id = echoesIDs ? object["id"] : nil
        for key in object.keys where !["execute", "arguments", "id"].contains(key) {
            return reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member '\(key)' is unexpected"), id: id)
        }
        guard let execute = object["execute"] else {
            return reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input lacks member 'execute'"), id: id)
        }
        guard let name = execute.stringValue else {
            return reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member 'execute' must be a string"), id: id)
        }
        var arguments = JSONObject()
        if let given = object["arguments"] {
            guard let members = given.objectValue else {
                return reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member 'arguments' must be an object"), id: id)
            }
            arguments = members
        }
        // As the agent does, before it runs anything: missing, unexpected or mistyped arguments.
        if let violation = Self.argumentSchema?.violation(of: name, arguments, oob: false) {
            return reply(error: ErrorReply(errorClass: violation.errorClass, description: violation.errorDescription), id: id)
        }
        do {
            switch try run(name, arguments) {
            case .value(let value): return reply(["return": value], id: id)
            case .delimited(let value): return [0xFF] + reply(["return": value], id: id)
            case .nothing: return []
            }
        } catch let error as ErrorReply {
            return reply(error: error, id: id)
        } catch {
            return reply(error: ErrorReply(errorClass: "GenericError", description: "\(error)"), id: id)
        }
    }

    private func reply(_ object: JSONObject, id: JSONValue?) -> [UInt8] {
        var object = object
        if let id { object["id"] = id }
        return line(object)
    }

    private func reply(error: ErrorReply, id: JSONValue?) -> [UInt8] {
        // The agent puts the id first in error replies.
        var object: JSONObject = [:]
        if let id { object["id"] = id }
        object["error"] = ["class": .string(error.errorClass), "desc": .string(error.description)]
        return line(object)
    }

    private func line(_ object: JSONObject) -> [UInt8] {
        JSONValue.object(object).serializedBytesQEMUStyle() + [0x0A]
    }
}
