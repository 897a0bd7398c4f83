import Foundation

extension BuiltTool.Started {
    /// Returns once the tool has written `text` to its standard error (or closed it),
    /// reading off the cooperative pool: e.g. qmp-simulator's "listening" banner.
    package func waitForStderr(containing text: String) async {
        let stderr = self.stderr
        await BuiltTool.offPool {
            var seen = ""
            var byte: UInt8 = 0
            while !seen.contains(text), read(stderr, &byte, 1) == 1 { seen.unicodeScalars.append(UnicodeScalar(byte)) }
        }
    }
}
