/// Strings that QMP repeats in almost every message: member names, event
/// names, job states. The parser returns the shared `String` for these instead
/// of decoding the bytes again.
///
/// Decoding a string means validating its UTF-8 and, past 15 bytes (an event
/// name such as `JOB_STATUS_CHANGE`), a heap allocation that is freed again
/// when the event is. In an event flood that was a tenth of the parse time.
/// A lookup is a hash of three bytes and the length plus one byte comparison,
/// cheap enough to try on every unescaped string.
struct KnownStrings: Sendable {
    static let qmp = KnownStrings(Self.qmpVocabulary)

    private struct Entry: Sendable {
        var offset: Int32
        var length: Int32
        var index: Int32
    }

    /// Every known string's UTF-8, back to back.
    private let bytes: [UInt8]
    /// Open addressing, linear probing; `length == 0` marks a free slot.
    private let table: [Entry]
    private let strings: [String]
    private let mask: Int

    init(_ vocabulary: [String]) {
        var unique: [String] = []
        for string in vocabulary where !string.isEmpty && !unique.contains(string) { unique.append(string) }
        var capacity = 16
        while capacity < unique.count * 4 { capacity *= 2 }
        var bytes: [UInt8] = []
        var table = [Entry](repeating: Entry(offset: 0, length: 0, index: 0), count: capacity)
        for (index, string) in unique.enumerated() {
            let utf8 = Array(string.utf8)
            let offset = bytes.count
            bytes.append(contentsOf: utf8)
            var slot = utf8.withUnsafeBytes { Self.hash($0, from: 0, count: utf8.count) } & (capacity - 1)
            while table[slot].length != 0 { slot = (slot + 1) & (capacity - 1) }
            table[slot] = Entry(offset: Int32(offset), length: Int32(utf8.count), index: Int32(index))
        }
        self.bytes = bytes
        self.table = table
        self.strings = unique
        self.mask = capacity - 1
    }

    /// The shared string whose UTF-8 is `buffer[start ..< start + count]`, if it is a known one.
    @inline(__always)
    func lookup(_ buffer: UnsafeRawBufferPointer, from start: Int, count: Int) -> String? {
        guard count > 0 && count <= 64 else { return nil }
        var slot = Self.hash(buffer, from: start, count: count) & mask
        while true {
            let entry = table[slot]
            if entry.length == 0 { return nil }
            if Int(entry.length) == count && matches(entry, buffer, from: start) {
                return strings[Int(entry.index)]
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func matches(_ entry: Entry, _ buffer: UnsafeRawBufferPointer, from start: Int) -> Bool {
        bytes.withUnsafeBytes { known in
            guard let knownBase = known.baseAddress, let base = buffer.baseAddress else { return false }
            return Self.equal(knownBase + Int(entry.offset), base + start, count: Int(entry.length))
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
    private static func hash(_ buffer: UnsafeRawBufferPointer, from start: Int, count: Int) -> Int {
        let first = Int(buffer[start])
        let middle = Int(buffer[start + count / 2])
        let last = Int(buffer[start + count - 1])
        return (count &* 0x9E37) ^ (first &* 31) ^ (middle &* 0x3B5) ^ (last &* 131) ^ (last >> 3)
    }
}

extension KnownStrings {
    /// Member names and values from QEMU's QAPI schema that occur in most sessions.
    static let qmpVocabulary: [String] = [
        // Message structure.
        "QMP", "version", "qemu", "micro", "minor", "major", "package", "capabilities", "oob",
        "execute", "exec-oob", "arguments", "id", "return", "error", "class", "desc",
        "event", "data", "timestamp", "seconds", "microseconds",
        "GenericError", "CommandNotFound", "DeviceNotActive", "DeviceNotFound", "KVMMissingCap",
        // Common members.
        "status", "running", "singlestep", "type", "device", "path", "node-name", "job-id", "name",
        "offset", "len", "speed", "reason", "action", "guest", "current-progress", "total-progress",
        "auto-finalize", "auto-dismiss", "busy", "paused", "io-status", "ready", "filename", "driver",
        "sync", "target", "format", "size", "enabled", "value", "operation", "qom-path", "tray-open",
        "host", "port", "family", "service", "websocket", "client", "server", "boundaries",
        // Events.
        "SHUTDOWN", "POWERDOWN", "RESET", "STOP", "RESUME", "SUSPEND", "SUSPEND_DISK", "WAKEUP",
        "WATCHDOG", "GUEST_PANICKED", "GUEST_CRASHLOADED", "JOB_STATUS_CHANGE",
        "BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED", "BLOCK_JOB_ERROR", "BLOCK_JOB_READY",
        "BLOCK_JOB_PENDING", "BLOCK_IO_ERROR", "BLOCK_IMAGE_CORRUPTED", "BLOCK_WRITE_THRESHOLD",
        "DEVICE_DELETED", "DEVICE_TRAY_MOVED", "DEVICE_UNPLUG_GUEST_ERROR", "NIC_RX_FILTER_CHANGED",
        "BALLOON_CHANGE", "RTC_CHANGE", "MIGRATION", "MIGRATION_PASS", "VSERPORT_CHANGE",
        "QUORUM_FAILURE", "QUORUM_REPORT_BAD", "MEMORY_DEVICE_SIZE_CHANGE", "MEMORY_FAILURE",
        "ACPI_DEVICE_OST", "SPICE_CONNECTED", "SPICE_INITIALIZED", "SPICE_DISCONNECTED",
        "SPICE_MIGRATE_COMPLETED", "VNC_CONNECTED", "VNC_INITIALIZED", "VNC_DISCONNECTED",
        "FAILOVER_NEGOTIATED", "UNPLUG_PRIMARY", "PR_MANAGER_STATUS_CHANGED", "DUMP_COMPLETED",
        "COLO_EXIT",
        // Job types and states, run states, shutdown causes.
        "created", "undefined", "standby", "waiting", "pending", "aborting", "concluded", "null",
        "backup", "commit", "mirror", "stream", "create", "amend",
        "snapshot-load", "snapshot-save", "snapshot-delete",
        "prelaunch", "inmigrate", "postmigrate", "finish-migrate", "internal-error", "io-error",
        "debug", "shutdown", "suspended", "watchdog", "guest-panicked", "colo", "restore-vm", "save-vm",
        "host-qmp-quit", "host-qmp-system-reset", "host-signal", "host-ui", "guest-shutdown",
        "guest-reset", "guest-panic", "subsystem-reset",
        // query-qmp-schema, the largest reply by far.
        "meta-type", "members", "arg-type", "ret-type", "allow-oob", "features", "variants",
        "tag", "case", "element-type", "json-type", "values", "optional", "default", "builtin",
        "object", "command", "enum", "array", "alternate", "int", "str", "bool", "number",
        "any", "deprecated", "unstable",
    ]
}
