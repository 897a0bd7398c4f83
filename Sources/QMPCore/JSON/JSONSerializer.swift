// STUB: replaced by the fast serializer (see issue 2).
extension JSONValue {
    /// Appends compact, ASCII-only JSON (non-ASCII escaped as `\uXXXX`) to `buffer`.
    public func appendSerialized(to buffer: inout [UInt8]) {}

    /// The compact, ASCII-only JSON text as bytes.
    public func serializedBytes() -> [UInt8] {
        var buffer: [UInt8] = []
        appendSerialized(to: &buffer)
        return buffer
    }

    /// The compact, ASCII-only JSON text.
    public func serialized() -> String {
        String(decoding: serializedBytes(), as: UTF8.self)
    }

    /// Indented JSON for people to read (`qmp-shell -p`).
    public func prettyPrinted(indent: Int = 4) -> String { serialized() }
}
