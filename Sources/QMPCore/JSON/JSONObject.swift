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

    /// The members, or the validated text they will be parsed from on first use.
    private var storage: Storage

    private enum Storage: Sendable {
        case members([Member])
        /// A non-empty object's text, validated by ``JSONReader/skipValue()``.
        case text([UInt8])
    }

    /// The members in insertion order.
    ///
    /// An object kept as text (an event's `data`, see ``init(validatedText:)``)
    /// parses them on each call; read single members with the subscript, which
    /// does not build the others.
    public var members: [Member] {
        switch storage {
        case .members(let members): return members
        case .text(let text): return Self.members(ofValidatedText: text)
        }
    }

    public init() { storage = .members([]) }

    /// Creates an object from key-value pairs; a repeated key keeps its last value
    /// at the position of its first appearance.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        storage = .members([])
        for (key, value) in pairs { self[key] = value }
    }

    /// Creates an object from members known to have distinct keys.
    ///
    /// The parser uses this after its own duplicate check, skipping a second scan.
    package init(uniqueMembers: [Member]) {
        storage = .members(uniqueMembers)
    }

    /// An object that keeps `text`, a non-empty JSON object already validated
    /// by ``JSONReader/skipValue()``, and parses from it only what is read.
    ///
    /// The client's reader does this for every event's `data`: one allocation,
    /// where building the members took one plus the parse, and listeners that
    /// filter by name alone (most of them) never pay for the rest.
    init(validatedText text: [UInt8]) {
        storage = .text(text)
    }

    public var count: Int { members.count }
    public var isEmpty: Bool {
        // Text is only kept for non-empty objects.
        if case .members(let members) = storage { return members.isEmpty }
        return false
    }
    public var keys: [String] { members.map(\.key) }

    /// Reads, replaces, appends or (assigning `nil`) removes the member `key`.
    public subscript(key: String) -> JSONValue? {
        get {
            switch storage {
            case .members(let members):
                for member in members where member.key == key { return member.value }
                return nil
            case .text(let text):
                return Self.member(key, ofValidatedText: text)
            }
        }
        set {
            mutateMembers { members in
                let index = members.firstIndex { $0.key == key }
                switch (index, newValue) {
                case (let index?, let value?): members[index].value = value
                case (let index?, nil): members.remove(at: index)
                case (nil, let value?): members.append(Member(key: key, value: value))
                case (nil, nil): break
                }
            }
        }
    }

    /// Removes and returns the member `key`.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        mutateMembers { members in
            guard let index = members.firstIndex(where: { $0.key == key }) else { return nil }
            return members.remove(at: index).value
        }
    }

    /// Runs `body` on the members, held uniquely so that it mutates them in place.
    private mutating func mutateMembers<Result>(_ body: (inout [Member]) -> Result) -> Result {
        var members = self.members
        storage = .members([])
        defer { storage = .members(members) }
        return body(&members)
    }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        if case .text(let left) = lhs.storage, case .text(let right) = rhs.storage, left == right { return true }
        let left = lhs.members
        let right = JSONObject(uniqueMembers: rhs.members)
        guard left.count == right.count else { return false }
        for member in left where right[member.key] != member.value { return false }
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
