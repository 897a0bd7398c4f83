import QMP
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Everything the shell prints goes through here, so events never land in the middle of a line.
struct ShellOutput: Sendable {
    let pretty: Bool
    let json: Bool
    let interactive: Bool
    static let prompt = "(QEMU) "
    /// Whether the prompt is on screen, waiting for input: only then does an event redraw it.
    private let atPrompt = PromptState()

    init(pretty: Bool, json: Bool, interactive: Bool) {
        self.pretty = pretty
        self.json = json
        self.interactive = interactive
    }

    func write(_ text: String, to fd: Int32 = 1) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    func showPrompt() {
        guard interactive else { return }
        atPrompt.shown.store(true, ordering: .releasing)
        write(Self.prompt)
    }

    /// A line was read: the prompt is no longer waiting.
    func leavePrompt() {
        atPrompt.shown.store(false, ordering: .releasing)
    }

    func reply(_ value: JSONValue) {
        if json {
            write(JSONValue.object(["return": value]).serialized() + "\n")
        } else {
            write((pretty ? value.prettyPrinted() : value.serialized()) + "\n")
        }
    }

    func hmpText(_ value: JSONValue) {
        if json { return reply(value) }
        write(value.stringValue ?? value.serialized() + "\n")
    }

    func failure(_ error: QMPError) {
        if json {
            var body: JSONObject = ["class": .string(error.errorClass ?? "\(error.code)"), "desc": .string(error.errorDescription ?? error.message)]
            if let command = error.command { body["command"] = .string(command) }
            write(JSONValue.object(["error": .object(body)]).serialized() + "\n")
        } else if let errorClass = error.errorClass, let description = error.errorDescription {
            write("error: \(errorClass): \(description)\n")
        } else {
            write("error: \(error.message)\n")
        }
    }

    func syntaxError(_ message: String) {
        if json {
            write(JSONValue.object(["error": ["class": "SyntaxError", "desc": .string(message)]]).serialized() + "\n")
        } else {
            write("error: syntax: \(message)\n")
        }
    }

    /// An event, above the prompt when interactive: clear the prompt line, print, redraw.
    func event(_ event: Event) {
        let text: String
        if json {
            text = event.message.description + "\n"
        } else {
            let stamp = event.timestamp.isValid
                ? "\(event.timestamp.seconds).\(String(repeating: "0", count: 6 - String(event.timestamp.microseconds).count))\(event.timestamp.microseconds)"
                : "-"
            let data = event.data.isEmpty ? "" : " " + JSONValue.object(event.data).serialized()
            text = "[\(stamp)] \(event.name)\(data)\n"
        }
        let redraw = interactive && atPrompt.shown.load(ordering: .acquiring)
        write(redraw ? "\r\u{1B}[K" + text + Self.prompt : text)
    }
}

/// Shared between copies of ``ShellOutput``, which the event printer and the reader both hold.
final class PromptState: Sendable {
    let shown = Atomic<Bool>(false)
}
