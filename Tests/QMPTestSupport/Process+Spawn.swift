public import Foundation
import CQMPSystem

extension Process {
    /// `run()`, working around a bug in swift-corelibs-foundation 6.3 on Linux.
    ///
    /// `Process.run()` lists /proc/self/fd and copies each `dirent` whole, up to
    /// 256 bytes past the last entry of opendir's 32 KiB buffer (AddressSanitizer:
    /// heap-buffer-overflow in `findMaximumOpenFromProcSelfFD`). When that buffer
    /// ends a heap mapping the copy faults, and the test process crashed in about
    /// one full run in three. Served by mmap, the buffer is followed by the rest of
    /// its last page, so the over-read stays in mapped memory. Tests only: the
    /// library never uses `Process`.
    public func spawn() throws {
        Self.keepDirectoryBuffersMapped
        try run()
    }

    private static let keepDirectoryBuffersMapped: Void = {
        _ = cqmp_set_mmap_threshold(32 * 1024)
    }()
}
