import QMPCore
import Synchronization

/// One client's connection to a ``SimulatedQEMU``.
final class SimulatorSession: Sendable {
    private struct State {
        var negotiated = false
        var oobEnabled = false
        var closeAfterReply = false
    }

    let simulator: SimulatedQEMU
    private let transport: any Transport
    private let state = Lock(State())
    /// Replies and events leave through one stream, drained by one writer, so
    /// an event injected from another task never splits a line.
    private let output: AsyncStream<[UInt8]>.Continuation
    private let outputStream: AsyncStream<[UInt8]>

    init(simulator: SimulatedQEMU, transport: some Transport) {
        self.simulator = simulator
        self.transport = transport
        (outputStream, output) = AsyncStream.makeStream(of: [UInt8].self)
    }

    func emit(_ event: Event) {
        // QEMU sends no events before negotiation.
        guard state.withLock({ $0.negotiated }) else { return }
        write(.object(event.message.object))
    }

    func closeAfterReply() {
        state.withLock { $0.closeAfterReply = true }
    }

    private func write(_ value: JSONValue) {
        output.yield(value.serializedBytesQEMUStyle() + [13, 10])
    }

    func run() async {
        let writer = Task { [outputStream, transport] in
            for await bytes in outputStream {
                do { try await transport.send(bytes) } catch { break }
            }
            await transport.close()
        }
        let greeting = Greeting(version: simulator.version, capabilities: ["oob"])
        write(.object(greeting.message.object))
        // QEMU's own limit on one message (its JSON streamer's, 64 MiB), not the client's lower
        // default: a command of a few MiB (a large `ringbuf-write`) works as on QEMU 7.2.
        var framer = MessageFramer(maxMessageSize: 64 << 20)
        reading: do {
            while let chunk = try await transport.receive() {
                framer.append(chunk)
                while let frame = try framer.nextFrame() {
                    await handle(frame)
                    if state.withLock({ $0.closeAfterReply }) { break reading }
                }
            }
        } catch let error as QMPError where error.code == .messageTooLarge {
            write(ErrorReply(errorClass: "GenericError", description: "JSON parse error, \(error.message)").message.object.asValue)
        } catch {}
        output.finish()
        await writer.value
    }

    private func handle(_ frame: ArraySlice<UInt8>) async {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(frame)
        } catch {
            reply(error: ErrorReply(errorClass: "GenericError", description: "JSON parse error, \(error.reason)"), id: nil)
            return
        }
        guard case .object(let object) = parsed else {
            reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input must be a JSON object"), id: nil)
            return
        }
        let id = object["id"]
        for key in object.keys where !["execute", "exec-oob", "arguments", "id"].contains(key) {
            reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member '\(key)' is unexpected"), id: id)
            return
        }
        let isOOB = object["exec-oob"] != nil
        guard let nameValue = object["execute"] ?? object["exec-oob"] else {
            reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input lacks member 'execute'"), id: id)
            return
        }
        guard let name = nameValue.stringValue else {
            reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member 'execute' must be a string"), id: id)
            return
        }
        var arguments = JSONObject()
        if let value = object["arguments"] {
            guard case .object(let object) = value else {
                reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member 'arguments' must be an object"), id: id)
                return
            }
            arguments = object
        }
        let (negotiated, oobEnabled) = state.withLock { ($0.negotiated, $0.oobEnabled) }
        if isOOB && !oobEnabled {
            reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member 'exec-oob' is unexpected"), id: id)
            return
        }
        if isOOB && object["execute"] != nil {
            reply(error: ErrorReply(errorClass: "GenericError", description: "QMP input member 'execute' clashes with 'exec-oob'"), id: id)
            return
        }
        if name == "qmp_capabilities" {
            guard !negotiated else {
                reply(error: ErrorReply(errorClass: "CommandNotFound", description: "Capabilities negotiation is already complete, command ignored"), id: id)
                return
            }
            // Its arguments are checked as any command's: `enable` must be a list of capabilities.
            if let violation = simulator.schema?.violation(of: name, arguments, oob: isOOB) {
                reply(error: ErrorReply(errorClass: violation.errorClass, description: violation.errorDescription), id: id)
                return
            }
            let enable = arguments["enable"]?.arrayValue?.compactMap(\.stringValue) ?? []
            for capability in enable where capability != "oob" {
                reply(error: ErrorReply(errorClass: "GenericError", description: "Capability '\(capability)' is not available"), id: id)
                return
            }
            state.withLock {
                $0.negotiated = true
                $0.oobEnabled = enable.contains("oob")
            }
            reply(.object([:]), id: id)
            return
        }
        guard negotiated else {
            reply(error: ErrorReply(errorClass: "CommandNotFound", description: "Expecting capabilities negotiation with 'qmp_capabilities'"), id: id)
            return
        }
        // Arguments first, as QEMU checks them: a command QEMU has but the simulator does
        // not implement still gets QEMU's answer to wrong arguments.
        if let violation = simulator.schema?.violation(of: name, arguments, oob: isOOB) {
            reply(error: ErrorReply(errorClass: violation.errorClass, description: violation.errorDescription), id: id)
            return
        }
        guard let handler = simulator.handlers.withLock({ $0[name] }) else {
            reply(error: ErrorReply(errorClass: "CommandNotFound", description: "The command \(name) has not been found"), id: id)
            return
        }
        let context = CommandContext(command: name, arguments: arguments, session: self, simulator: simulator)
        do {
            reply(try await handler(context), id: id)
        } catch let error as ErrorReply {
            reply(error: error, id: id)
        } catch {
            reply(error: ErrorReply(errorClass: "GenericError", description: "\(error)"), id: id)
        }
    }

    private func reply(_ value: JSONValue, id: JSONValue?) {
        var object: JSONObject = ["return": value]
        if let id { object["id"] = id }
        write(.object(object))
    }

    private func reply(error: ErrorReply, id: JSONValue?) {
        // QEMU puts the id first in error replies.
        var object: JSONObject = [:]
        if let id { object["id"] = id }
        object["error"] = ["class": .string(error.errorClass), "desc": .string(error.description)]
        write(.object(object))
    }
}

extension JSONObject {
    var asValue: JSONValue { .object(self) }
}
