/// A JSON object whose members keep the order they were inserted or parsed in.
///
/// Order matters for recordings, which must serialize back exactly as they
/// were read, but not for equality: two objects are equal when they hold the
/// same keys with equal values, in any order, as RFC 8259 intends.
///
/// Lookups scan linearly. QMP objects are small (a handful of members), where
/// a scan beats hashing; a duplicate key in parsed input keeps the last
/// value, as QEMU does.
///
/// An object is a value: copies share their members until one of them changes.
/// The `data` objects of events read from one connection share their storage with
/// their neighbours (one allocation for many events, not one each), so an event kept
/// long after its neighbours were dropped keeps a few kilobytes alive; changing its
/// data, or building a new object, gives it storage of its own.
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

    /// Holds members `start ..< start + count`; `nil` only while the object is empty.
    /// 32-bit bounds keep an object two words long, so a `JSONValue` stays three.
    // nonisolated(unsafe): a storage is shared across threads, which is safe because
    // members are written in three situations only, none of them a race:
    // (1) an object's members are initialized before any `JSONObject` refers to them and
    //     are never written again while a second object can see them, because every
    //     mutation of a `JSONObject` first makes its storage unique (`isKnownUniquelyReferenced`);
    // (2) the one reader that owns a shared storage appends past `count`, where no object
    //     looks, and updates `count`, which objects read only once they hold the sole
    //     reference (the reader's is gone by then);
    // (3) `deinit` runs when no reference is left.
    // Objects reach other threads through locks or continuations, which order those writes first.
    nonisolated(unsafe) private var storage: MemberStorage?
    private var start: Int32
    private var memberCount: Int32

    public init() {
        storage = nil
        start = 0
        memberCount = 0
    }

    /// Creates an object from key-value pairs; a repeated key keeps its last value
    /// at the position of its first appearance.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    /// Creates an object from members known to have distinct keys, skipping the duplicate check.
    package init(uniqueMembers: [Member]) {
        self.init(reservingCapacity: uniqueMembers.count)
        for member in uniqueMembers { appendUnique(member) }
    }

    /// An empty object with room for `capacity` members.
    package init(reservingCapacity capacity: Int) {
        self.init()
        if capacity > 0 { storage = MemberStorage.make(capacity: capacity) }
    }

    /// The members `start ..< start + count` of `storage`, which the caller has initialized.
    package init(members storage: MemberStorage, start: Int, count: Int) {
        self.storage = count == 0 ? nil : storage
        self.start = Int32(truncatingIfNeeded: start)
        self.memberCount = Int32(truncatingIfNeeded: count)
    }

    /// The storage holding the members, to tell which objects share one (tests use it).
    var storageObject: AnyObject? { storage }

    /// The most members one object can hold.
    package static let maximumCount = Int(Int32.max)

    /// The members in order, as an array.
    public var members: [Member] { Array(self) }

    public var count: Int { Int(memberCount) }
    public var isEmpty: Bool { memberCount == 0 }
    public var keys: [String] { map(\.key) }

    /// Calls `body` with the members in order, without copying them.
    @inline(__always)
    package func withMembers<Result>(_ body: (UnsafeBufferPointer<Member>) throws -> Result) rethrows -> Result {
        guard let storage else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.members + Int(start), count: Int(memberCount)))
        }
    }

    private func index(of key: String) -> Int? {
        withMembers { members in members.firstIndex { $0.key == key } }
    }

    /// Reads, replaces, appends or (assigning `nil`) removes the member `key`.
    public subscript(key: String) -> JSONValue? {
        get {
            withMembers { members in
                for member in members where member.key == key { return member.value }
                return nil
            }
        }
        set {
            switch (index(of: key), newValue) {
            case (let index?, let value?): uniqueMembers(capacity: count)[index].value = value
            case (let index?, nil): _ = remove(at: index)
            case (nil, let value?): appendUnique(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Removes and returns the member `key`.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = index(of: key) else { return nil }
        return remove(at: index).value
    }

    /// Appends a member whose key the object does not have yet.
    package mutating func appendUnique(_ member: Member) {
        let members = uniqueMembers(capacity: count + 1)
        (members + count).initialize(to: member)
        storage?.initializedCount += 1
        memberCount += 1
    }

    private mutating func remove(at index: Int) -> Member {
        let members = uniqueMembers(capacity: count)
        let removed = (members + index).move()
        (members + index).moveInitialize(from: members + index + 1, count: count - index - 1)
        storage?.initializedCount -= 1
        memberCount -= 1
        if memberCount == 0 { self = JSONObject() }
        return removed
    }

    /// The members, in storage that only this object uses, that starts with them, and
    /// has room for `capacity`: copied (or moved, when no other object can see them) if not.
    private mutating func uniqueMembers(capacity: Int) -> UnsafeMutablePointer<Member> {
        let isUnique = isKnownUniquelyReferenced(&storage)
        if isUnique, let storage, start == 0, storage.initializedCount == count, storage.reservedCapacity >= capacity {
            return storage.members
        }
        let newCapacity = Swift.max(capacity, count * 2, 4)
        let fresh: MemberStorage
        if isUnique, let storage {
            // No other object can see this storage: what is left of it are left-overs of objects that are gone.
            fresh = MemberStorage.make(capacity: newCapacity, movingOut: count, from: storage, at: Int(start))
        } else {
            fresh = MemberStorage.make(capacity: newCapacity)
            if let storage { fresh.members.initialize(from: storage.members + Int(start), count: count) }
            fresh.initializedCount = count
        }
        storage = fresh
        start = 0
        return fresh.members
    }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withMembers { members in
            for member in members where rhs[member.key] != member.value { return false }
            return true
        }
    }

    /// Order-independent, to agree with `==`.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        withMembers { members in
            for member in members { combined ^= member.hashValue }
        }
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
        private let object: JSONObject
        private var index = 0

        fileprivate init(_ object: JSONObject) { self.object = object }

        public mutating func next() -> Member? {
            guard index < object.count else { return nil }
            defer { index += 1 }
            return object.withMembers { $0[index] }
        }
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    public var underestimatedCount: Int { count }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).serialized() }
}
