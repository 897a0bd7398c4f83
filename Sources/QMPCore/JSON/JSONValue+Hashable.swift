/// Equality as the JSON text sees it: strings byte for byte (see ``UTF8Comparison``),
/// integers by value whichever of ``JSONValue/int(_:)`` and ``JSONValue/uint(_:)`` holds them.
/// An integer and a double are never equal (`1` and `1.0` serialize differently).
extension JSONValue: Hashable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.int(let a), .uint(let b)), (.uint(let b), .int(let a)): return a >= 0 && UInt64(a) == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return UTF8Comparison.equal(a, b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let value): hasher.combine(1 as UInt8); hasher.combine(value)
        case .int(let value): hasher.combine(2 as UInt8); hasher.combine(value)
        case .uint(let value):
            // A small `.uint` equals the `.int` of the same value, so it must hash as one.
            if let small = Int64(exactly: value) {
                hasher.combine(2 as UInt8); hasher.combine(small)
            } else {
                hasher.combine(3 as UInt8); hasher.combine(value)
            }
        case .double(let value): hasher.combine(4 as UInt8); hasher.combine(value)
        case .string(let value): hasher.combine(5 as UInt8); UTF8Comparison.hash(value, into: &hasher)
        case .array(let elements):
            hasher.combine(6 as UInt8)
            hasher.combine(elements.count)
            for element in elements { element.hash(into: &hasher) }
        case .object(let object): hasher.combine(7 as UInt8); object.hash(into: &hasher)
        }
    }
}
