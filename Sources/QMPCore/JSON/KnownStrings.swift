/// Strings that QMP repeats in almost every message: member names, event
/// names, job states. The parser returns the shared `String` for these instead
/// of decoding the bytes again.
///
/// Only strings longer than 15 bytes are kept: shorter ones fit in a small
/// `String`, which the parser builds in place for less than a lookup costs.
/// A longer one (an event name such as `JOB_STATUS_CHANGE`) would need
/// validating and a heap allocation, freed again with the event; in an event
/// flood that was a tenth of the parse time. A lookup is a hash of three bytes
/// and the length plus one comparison.
// @unchecked: the pointers are written only in `init` and never freed or written again,
// so every thread reads the same immutable storage.
struct KnownStrings: @unchecked Sendable {
    static let qmp = KnownStrings(Self.qmpVocabulary)

    private struct Entry {
        var offset: Int32
        var length: Int32
        var index: Int32
    }

    // Raw pointers to storage allocated once and never freed (the one table lives as long
    // as the process): a lookup does no bounds checks and no reference counting.
    /// Every known string's UTF-8, back to back.
    private let bytes: UnsafePointer<UInt8>
    /// Open addressing, linear probing; `length == 0` marks a free slot.
    private let table: UnsafePointer<Entry>
    private let strings: UnsafePointer<String>
    private let mask: Int

    private init(_ vocabulary: [String]) {
        var unique: [String] = []
        for string in vocabulary where string.utf8.count > 15 && !unique.contains(string) { unique.append(string) }
        var capacity = 16
        while capacity < unique.count * 4 { capacity *= 2 }
        var utf8: [UInt8] = []
        let table = UnsafeMutablePointer<Entry>.allocate(capacity: capacity)
        table.initialize(repeating: Entry(offset: 0, length: 0, index: 0), count: capacity)
        for (index, string) in unique.enumerated() {
            let offset = utf8.count
            utf8.append(contentsOf: string.utf8)
            let length = utf8.count - offset
            var slot = utf8.withUnsafeBufferPointer { Self.hash($0.baseAddress.unsafelyUnwrapped + offset, count: length) } & (capacity - 1)
            while table[slot].length != 0 { slot = (slot + 1) & (capacity - 1) }
            table[slot] = Entry(offset: Int32(offset), length: Int32(length), index: Int32(index))
        }
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, utf8.count))
        bytes.initialize(from: utf8, count: utf8.count)
        let strings = UnsafeMutablePointer<String>.allocate(capacity: max(1, unique.count))
        strings.initialize(from: unique, count: unique.count)
        self.bytes = UnsafePointer(bytes)
        self.table = UnsafePointer(table)
        self.strings = UnsafePointer(strings)
        self.mask = capacity - 1
    }

    /// The shared string whose UTF-8 is the `count` bytes at `start`, if it is a known one.
    @inline(__always)
    func lookup(_ start: UnsafeRawPointer, count: Int) -> String? {
        guard count > 0 && count <= 64 else { return nil }
        var slot = Self.hash(start, count: count) & mask
        while true {
            let entry = table[slot]
            if entry.length == 0 { return nil }
            if Int(entry.length) == count && Self.equal(bytes + Int(entry.offset), start, count: count) {
                return strings[Int(entry.index)]
            }
            slot = (slot + 1) & mask
        }
    }

    /// `memcmp(a, b, count) == 0` for short runs, word by word, reading nothing outside either run.
    @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        if count >= 8 {
            var offset = 0
            while offset + 8 < count {
                guard a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) else { return false }
                offset += 8
            }
            return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        for offset in 0..<count where a.load(fromByteOffset: offset, as: UInt8.self) != b.load(fromByteOffset: offset, as: UInt8.self) {
            return false
        }
        return true
    }

    @inline(__always)
    private static func hash(_ start: UnsafeRawPointer, count: Int) -> Int {
        let first = Int(start.load(as: UInt8.self))
        let middle = Int(start.load(fromByteOffset: count / 2, as: UInt8.self))
        let last = Int(start.load(fromByteOffset: count - 1, as: UInt8.self))
        return (count &* 0x9E37) ^ (first &* 31) ^ (middle &* 0x3B5) ^ (last &* 131) ^ (last >> 3)
    }
}

extension KnownStrings {
    /// Names from QEMU's QAPI schema longer than 15 bytes that occur in ordinary sessions.
    static let qmpVocabulary: [String] = [
        // Events.
        "JOB_STATUS_CHANGE", "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_PENDING",
        "BLOCK_IMAGE_CORRUPTED", "BLOCK_WRITE_THRESHOLD", "BLOCK_EXPORT_DELETED", "GUEST_CRASHLOADED",
        "DEVICE_TRAY_MOVED", "DEVICE_UNPLUG_GUEST_ERROR", "NIC_RX_FILTER_CHANGED", "QUORUM_REPORT_BAD",
        "MEMORY_DEVICE_SIZE_CHANGE", "SPICE_INITIALIZED", "SPICE_DISCONNECTED", "SPICE_MIGRATE_COMPLETED",
        "VNC_DISCONNECTED", "FAILOVER_NEGOTIATED", "PR_MANAGER_STATUS_CHANGED", "RDMA_GID_STATUS_CHANGED",
        "VFU_CLIENT_HANGUP",
        // Members and values.
        "current-progress", "host-qmp-system-reset",
    ]
}
