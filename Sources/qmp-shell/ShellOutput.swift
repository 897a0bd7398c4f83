import QMP
import QMPCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Everything the shell prints goes through here, one write per message under one lock,
/// so an event never lands in the middle of a reply or a prompt.
final class ShellOutput: Sendable {
    let pretty: Bool
    let json: Bool
    let interactive: Bool
    /// The prompt on screen waiting for input, if any: only then does an event redraw it.
    private let screen = Lock<String?>(nil)

    init(pretty: Bool, json: Bool, interactive: Bool) {
        self.pretty = pretty
        self.json = json
        self.interactive = interactive
    }

    func write(_ text: String, to fd: Int32 = 1) {
        screen.withLock { _ in Self.writeAll(text, to: fd) }
    }

    func showPrompt(_ prompt: String) {
        guard interactive else { return }
        screen.withLock { shown in
            shown = prompt
            Self.writeAll(prompt, to: 1)
        }
    }

    /// A line was read: the prompt no longer waits.
    func leavePrompt() {
        screen.withLock { $0 = nil }
    }

    /// A message for stderr, on a line of its own even when the prompt is showing.
    func notice(_ text: String) {
        screen.withLock { shown in
            if shown != nil { Self.writeAll("\n", to: 1) }
            shown = nil
            Self.writeAll("qmp-shell: \(text)\n", to: 2)
        }
    }

    func reply(_ value: JSONValue) {
        if json {
            write(JSONValue.object(["return": value]).serialized() + "\n")
        } else {
            write((pretty ? value.prettyPrinted() : value.serialized()) + "\n")
        }
    }

    /// HMP's reply is the text the monitor would have printed, with `\r\n` line ends
    /// meant for a terminal in raw mode; printed with plain `\n`, as every other line.
    func hmpText(_ value: JSONValue) {
        if json { return reply(value) }
        guard let raw = value.stringValue else { return reply(value) }
        let text = raw.replacing("\r\n", with: "\n")
        if text.isEmpty { return }
        write(text.hasSuffix("\n") ? text : text + "\n")
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

    /// An event; at a waiting prompt: clear the prompt line, print, draw the prompt again.
    func event(_ event: Event) {
        let text = json ? event.message.description + "\n" : Self.describe(event) + "\n"
        screen.withLock { shown in
            Self.writeAll(shown.map { "\r\u{1B}[K" + text + $0 } ?? text, to: 1)
        }
    }

    /// `[SECONDS.MICROSECONDS] NAME {data}`, the timestamp as QEMU gave it.
    static func describe(_ event: Event) -> String {
        let stamp: String
        if event.timestamp.isValid {
            let micros = String(event.timestamp.microseconds)
            stamp = "\(event.timestamp.seconds).\(String(repeating: "0", count: max(0, 6 - micros.count)))\(micros)"
        } else {
            stamp = "-"
        }
        let data = event.data.isEmpty ? "" : " " + JSONValue.object(event.data).serialized()
        return "[\(stamp)] \(event.name)\(data)"
    }

    private static func writeAll(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
