#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QMPCore

/// A `sockaddr_un` for a filesystem path.
struct UnixAddress {
    private var storage = sockaddr_un()
    let path: String

    init(path: String) throws(QMPError) {
        self.path = path
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty else {
            throw QMPError(.connectionFailed, "unix socket path is empty")
        }
        guard bytes.count < capacity else {
            throw QMPError(
                .connectionFailed,
                "unix socket path \(path) is too long: \(bytes.count) bytes, the limit is \(capacity - 1)",
                errno: ENAMETOOLONG
            )
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
    }

    mutating func withSockaddr<T>(
        _ body: (UnsafeRawPointer, socklen_t) async throws(QMPError) -> T
    ) async throws(QMPError) -> T {
        let copy = storage
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        // The pointer escapes into an async call, so give it storage that outlives the await.
        let pointer = UnsafeMutablePointer<sockaddr_un>.allocate(capacity: 1)
        pointer.initialize(to: copy)
        defer { pointer.deallocate() }
        return try await body(UnsafeRawPointer(pointer), length)
    }
}
