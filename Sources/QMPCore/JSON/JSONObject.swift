/// A JSON object whose members keep the order they were inserted or parsed in.
///
/// Order matters for recordings, which must serialize back exactly as they
/// were read, but not for equality: two objects are equal when they hold the
/// same keys with equal values, in any order, as RFC 8259 intends.
///
/// Lookups scan linearly. QMP objects are small (a handful of members), where
/// a scan beats hashing; a duplicate key in parsed input keeps the last
/// value, as QEMU does.
public struct JSONObject: Sendable {
    /// One member of an object.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in insertion order.
    public private(set) var members: [Member]

    public init() { members = [] }

    /// Creates an object from key-value pairs; a repeated key keeps its last value
    /// at the position of its first appearance.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        members = []
        for (key, value) in pairs { self[key] = value }
    }

    /// Creates an object from members known to have distinct keys.
    ///
    /// The parser uses this after its own duplicate check, skipping a second scan.
    package init(uniqueMembers: [Member]) {
        members = uniqueMembers
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// Reads, replaces, appends or (assigning `nil`) removes the member `key`.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Removes and returns the member `key`.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = members.firstIndex(where: { $0.key == key }) else { return nil }
        return members.remove(at: index).value
    }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for member in lhs.members where rhs[member.key] != member.value { return false }
        return true
    }

    /// Order-independent, to agree with `==`.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members { combined ^= member.hashValue }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).serialized() }
}
