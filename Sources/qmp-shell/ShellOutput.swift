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
    /// What waits for input on screen, if anything: only then does an event redraw it.
    private let screen = Lock(Screen())

    private struct Screen {
        /// A plain prompt, when the terminal could not be put in raw mode.
        var prompt: String?
        /// The line being edited, with its prompt.
        var line: LineView?
        var renderer = LineRenderer()

        /// Takes what is on screen away, so that text can go where it was.
        mutating func erase() -> String {
            if line != nil { return renderer.erase() }
            return prompt != nil ? "\r\u{1B}[K" : ""
        }

        /// Puts it back below that text (or in place: drawing the line erases it first).
        mutating func restore() -> String {
            if let line { return renderer.draw(line, columns: RawTerminal.columns) }
            return prompt ?? ""
        }
    }

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
        screen.withLock { screen in
            screen.prompt = prompt
            Self.writeAll(prompt, to: 1)
        }
    }

    /// A line was read: the prompt no longer waits.
    func leavePrompt() {
        screen.withLock { $0.prompt = nil }
    }

    /// Draws the line being edited (again).
    func draw(_ line: LineView) {
        screen.withLock { screen in
            screen.line = line
            Self.writeAll(screen.renderer.draw(line, columns: RawTerminal.columns), to: 1)
        }
    }

    /// The edited line is done, as `line` shows it: it stays on screen and output
    /// continues below it.
    func finishLine(_ line: LineView) {
        screen.withLock { screen in
            screen.line = nil
            Self.writeAll(screen.renderer.finish(line, columns: RawTerminal.columns), to: 1)
        }
    }

    /// The shell is going away: whatever waits for input stays as it is and the
    /// terminal's own prompt starts on a fresh line.
    func leaveLine() {
        guard interactive else { return }
        screen.withLock { screen in
            if let line = screen.line {
                Self.writeAll(screen.renderer.finish(line, columns: RawTerminal.columns), to: 1)
            } else {
                Self.writeAll("\n", to: 1)
            }
            screen.line = nil
            screen.prompt = nil
        }
    }

    /// Prints `text` where the edited line is, and the line again below it.
    func above(_ text: String) {
        screen.withLock { screen in
            Self.writeAll(screen.erase() + text + screen.restore(), to: 1)
        }
    }

    /// A `-v` trace line, on stderr, above the line being edited, which is drawn again below it.
    func trace(_ text: String) {
        screen.withLock { screen in
            Self.writeAll(screen.erase(), to: 1)
            Self.writeAll(text, to: 2)
            Self.writeAll(screen.restore(), to: 1)
        }
    }

    /// The terminal changed size: the edited line is drawn again for the new width.
    func redrawLine() {
        screen.withLock { screen in
            guard screen.line != nil else { return }
            Self.writeAll(screen.restore(), to: 1)
        }
    }

    /// Ctrl-L: an empty screen with the edited line, as `line` shows it, at the top.
    func clearScreen(_ line: LineView) {
        screen.withLock { screen in
            _ = screen.renderer.erase()
            screen.line = line
            Self.writeAll("\u{1B}[H\u{1B}[2J" + screen.restore(), to: 1)
        }
    }

    /// A message for stderr, on a line of its own even when the prompt is showing.
    func notice(_ text: String) {
        screen.withLock { screen in
            if let line = screen.line {
                Self.writeAll(screen.renderer.finish(line, columns: RawTerminal.columns), to: 1)
            } else if screen.prompt != nil {
                Self.writeAll("\n", to: 1)
            }
            screen.line = nil
            screen.prompt = nil
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

    /// `qom-tree`: indented lines, or in JSON mode the objects as a `return` list.
    func qomTree(_ nodes: [QOMTree.Node]) {
        guard json else { return write(QOMTree.text(nodes)) }
        reply(.array(nodes.map { ["path": .string($0.path), "type": .string($0.type)] }))
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
        above(json ? event.message.description + "\n" : Self.describe(event) + "\n")
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
