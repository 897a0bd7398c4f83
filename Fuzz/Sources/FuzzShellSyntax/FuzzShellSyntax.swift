import FuzzSupport
import QMP

// qmp-shell's line syntax (`cmd a.b=1 c='x y'`, raw JSON, `transaction(` ... `)`) on
// arbitrary lines, one session's parser for all of them: each line gives a message,
// nothing, or a SyntaxError. A message must be a command that survives
// serialise -> parse and, sent back through the shell as a raw JSON line, comes out the same.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShellSyntax(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    runFuzzTarget(data, count) { bytes in
        var syntax = CommandLineSyntax()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            guard let message = try? syntax.parse(String(line)) else { continue }
            let execute = message["execute"]?.stringValue
            require(execute != nil || message["exec-oob"] != nil || line.contains("{"), "'\(line)' gave \(message), which is no command")
            let text = message.description
            require((try? Message(parsing: Array(text.utf8))) == message, "\(message) does not survive a round trip")
            var fresh = CommandLineSyntax()
            let echoed = try? fresh.parse(text)
            require(echoed == message, "'\(text)' read back as \(echoed.map(String.init(describing:)) ?? "an error")")
        }
        _ = try? syntax.checkComplete()
    }
}
