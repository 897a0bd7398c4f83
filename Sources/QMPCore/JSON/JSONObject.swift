/// A JSON object whose members keep the order they were inserted or parsed in.
///
/// Order matters for recordings, which must serialize back exactly as they
/// were read, but not for equality: two objects are equal when they hold the
/// same keys with equal values, in any order, as RFC 8259 intends.
///
/// Keys compare byte for byte (their UTF-8), as QEMU and Python compare them,
/// not by Swift's Unicode canonical equivalence: `"\u{C5}"` and `"A\u{30A}"` are
/// two keys (see ``JSONValue``).
///
/// Lookups by subscript scan linearly: QMP objects are small (a handful of
/// members), where a scan beats hashing. Building one (parsing, or from pairs)
/// stays linear however large it is; a duplicate key keeps the last value, as
/// QEMU does.
///
/// An object is a value with storage of its own: copies share their members until
/// one of them changes, and an object kept alone keeps only its own members alive.
public struct JSONObject: Sendable {
    /// One member of an object.
    public struct Member: Sendable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: JSONValue

        /// Creates a member, for example to compare with the ones ``JSONObject/members`` lists.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members in order.
    public private(set) var members: [Member]

    /// Creates an empty object (the same as the literal `[:]`).
    public init() { members = [] }

    /// Creates an object from key-value pairs; a repeated key keeps its last value
    /// at the position of its first appearance.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        var members: [Member] = []
        members.reserveCapacity(pairs.underestimatedCount)
        var positions = KeyPositions()
        for (key, value) in pairs {
            if let existing = positions.position(of: key, in: members) {
                members[existing].value = value
            } else {
                positions.appended(key, at: members.count)
                members.append(Member(key: key, value: value))
            }
        }
        self.members = members
    }

    /// Creates an object from members known to have distinct keys, skipping the duplicate check.
    package init(uniqueMembers: [Member]) {
        members = uniqueMembers
    }

    /// An empty object with room for `capacity` members.
    package init(reservingCapacity capacity: Int) {
        members = []
        members.reserveCapacity(capacity)
    }

    /// The most members the parser puts in one object; past it, it reports
    /// ``JSONParseError/Reason/tooManyMembers``.
    package static let maximumCount = Int(Int32.max)

    /// The number of members.
    public var count: Int { members.count }
    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The members' keys, in order.
    public var keys: [String] { members.map(\.key) }

    private func index(of key: String) -> Int? {
        members.firstIndex { UTF8Comparison.equal($0.key, key) }
    }

    /// Reads, replaces, appends or (assigning `nil`) removes the member `key`.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where UTF8Comparison.equal(member.key, key) { return member.value }
            return nil
        }
        set {
            switch (index(of: key), newValue) {
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
        guard let index = index(of: key) else { return nil }
        return members.remove(at: index).value
    }

    /// Appends a member whose key the object does not have yet.
    package mutating func appendUnique(_ member: Member) {
        members.append(member)
    }
}

/// Keys compare by their UTF-8 bytes, like the object's lookups.
extension JSONObject.Member: Hashable {
    public static func == (lhs: JSONObject.Member, rhs: JSONObject.Member) -> Bool {
        UTF8Comparison.equal(lhs.key, rhs.key) && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        UTF8Comparison.hash(key, into: &hasher)
        hasher.combine(value)
    }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        // Keys are unique within an object, so after a common prefix of equal keys the
        // rest of each must hold the same keys. The prefix is usually all of it (an
        // event against the message rebuilt from it): one pass.
        var start = 0
        while start < lhs.count && UTF8Comparison.equal(lhs.members[start].key, rhs.members[start].key) {
            guard lhs.members[start].value == rhs.members[start].value else { return false }
            start += 1
        }
        let rest = rhs.members[start...]
        guard rest.count >= 16 else {
            return lhs.members[start...].allSatisfy { member in
                rest.contains { UTF8Comparison.equal($0.key, member.key) && $0.value == member.value }
            }
        }
        // A scan per member would be quadratic: a peer's object may have any number.
        var values: [UTF8Key: JSONValue] = [:]
        values.reserveCapacity(rest.count)
        for member in rest { values[UTF8Key(member.key)] = member.value }
        return lhs.members[start...].allSatisfy { values[UTF8Key($0.key)] == $0.value }
    }

    /// Order-independent, to agree with `==`.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members { combined ^= member.hashValue }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: Sequence {
    /// Iterates the members in order.
    public struct Iterator: IteratorProtocol {
        private var base: IndexingIterator<[Member]>

        fileprivate init(_ members: [Member]) { base = members.makeIterator() }

        /// The next member, or `nil` after the last.
        public mutating func next() -> Member? { base.next() }
    }

    /// Iterates the members in order: `for member in object { member.key … }`.
    public func makeIterator() -> Iterator { Iterator(members) }

    /// The number of members (exact).
    public var underestimatedCount: Int { count }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).serialized() }
}
