internal import FoundationEssentials
public import QMPCore

extension Transcript {
    /// Reads a transcript file.
    public init(contentsOf path: String) throws(QMPError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw QMPError(.invalidState, "cannot read transcript \(path): \(error)")
        }
        try self.init(parsing: String(decoding: data, as: UTF8.self))
    }

    /// Writes the text form to `path`, replacing the file.
    public func write(to path: String) throws(QMPError) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw QMPError(.invalidState, "cannot write transcript \(path): \(error)")
        }
    }
}
