/// Heap storage for the members of one or more ``JSONObject``s: members `0..<count`
/// are initialized, room for `capacity`.
///
/// An object is a range of one storage. Objects built or changed in code own theirs
/// alone. The reader puts the `data` members of consecutive events side by side in one
/// shared storage (see `MessageFramer`): in an event flood a separate allocation per
/// event, freed on whichever thread drops the last copy, cost more than parsing the
/// event did. The price is that one storage stays allocated while any object in it lives.
///
/// Only top-level objects share a storage. A nested object keeps storage of its own:
/// stored as a member of the storage it points to, it would keep that storage alive forever.
///
/// `ManagedBuffer` cannot be `Sendable`; the objects that hold a storage vouch for it
/// (see ``JSONObject``).
package final class MemberStorage: ManagedBuffer<MemberStorage.Header, JSONObject.Member> {
    package struct Header {
        var count: Int
        let capacity: Int
    }

    static func make(capacity: Int) -> MemberStorage {
        let buffer = create(minimumCapacity: capacity) { _ in Header(count: 0, capacity: capacity) }
        return unsafeDowncast(buffer, to: MemberStorage.self)
    }

    /// A new storage of `capacity` holding members `start ..< start + count` of `old`, moved
    /// out of it. `old` keeps only the members before `start`: any after the range belong to
    /// no object, so only the caller may refer to `old`'s range and what follows it.
    static func make(capacity: Int, movingOut count: Int, from old: MemberStorage, at start: Int) -> MemberStorage {
        let fresh = make(capacity: capacity)
        old.truncate(to: start + count)
        fresh.members.moveInitialize(from: old.members + start, count: count)
        old.initializedCount = start
        fresh.initializedCount = count
        return fresh
    }

    deinit {
        withUnsafeMutablePointers { header, members in _ = members.deinitialize(count: header.pointee.count) }
    }

    // Through the header pointer: `header` itself is a class property, whose every
    // access checks exclusivity at run time (5% of an event flood's parse).
    /// How many members are initialized.
    var initializedCount: Int {
        get { withUnsafeMutablePointerToHeader { $0.pointee.count } }
        set { withUnsafeMutablePointerToHeader { $0.pointee.count = newValue } }
    }

    /// Room for this many members.
    var reservedCapacity: Int { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }

    /// The members. Valid while the caller holds a reference to this storage.
    @inline(__always)
    var members: UnsafeMutablePointer<JSONObject.Member> {
        withUnsafeMutablePointerToElements { $0 }
    }

    /// Appends `member` to the object that starts at `objectStart` and ends at the end of
    /// `storage`'s initialized members. When `storage` is full (or `nil`), the object's
    /// members move to a new storage of at least `minimumCapacity`, twice the object's
    /// size, and `storage` and `objectStart` change to it.
    @inline(__always)
    static func append(
        _ member: JSONObject.Member,
        to storage: inout MemberStorage?,
        objectStart: inout Int,
        minimumCapacity: Int
    ) {
        // Optional chaining borrows the storage; binding it would retain and release it.
        if storage?.appendIfRoom(member) == true { return }
        let moved = (storage?.initializedCount ?? objectStart) - objectStart
        let capacity = Swift.max(minimumCapacity, 2 * (moved + 1))
        let larger = storage.map { make(capacity: capacity, movingOut: moved, from: $0, at: objectStart) } ?? make(capacity: capacity)
        _ = larger.appendIfRoom(member)
        storage = larger
        objectStart = 0
    }

    @inline(__always)
    private func appendIfRoom(_ member: JSONObject.Member) -> Bool {
        withUnsafeMutablePointers { header, members in
            guard header.pointee.count < header.pointee.capacity else { return false }
            (members + header.pointee.count).initialize(to: member)
            header.pointee.count += 1
            return true
        }
    }

    /// Drops the members from `count` on, which no object refers to (a parse that failed
    /// halfway, or what objects that are gone left behind).
    func truncate(to count: Int) {
        withUnsafeMutablePointers { header, members in
            guard count < header.pointee.count else { return }
            (members + count).deinitialize(count: header.pointee.count - count)
            header.pointee.count = count
        }
    }
}
