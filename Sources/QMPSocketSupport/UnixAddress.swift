#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
package import QMPCore

/// A `sockaddr_un` for a filesystem path: the transports', the recording proxy's and the tests'.
package struct UnixAddress {
    private var storage = sockaddr_un()
    /// The path, as given.
    package let path: String

    /// - Throws: ``QMPError/Code/connectionFailed`` for an empty path, and with errno
    ///   ENAMETOOLONG for one that does not fit `sun_path`.
    package init(path: String) throws(QMPError) {
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

    /// bind(2) of `fd` to this address; its result (`-1` with `errno` set on failure).
    package func bind(_ fd: Int32) -> Int32 {
        withSockaddr { Glibc.bind(fd, $0, $1) }
    }

    /// A blocking connect(2) of `fd` to this address; its result (`-1` with `errno` set on failure).
    package func connect(_ fd: Int32) -> Int32 {
        withSockaddr { Glibc.connect(fd, $0, $1) }
    }

    /// Runs `body` with the address and its length, as connect(2) and bind(2) take them.
    private func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        withUnsafePointer(to: storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// The same for an async `body`; the length is a `socklen_t`, spelled `UInt32` so that
    /// no C type is in this module's package interface.
    package mutating func withSockaddr<T>(
        _ body: (UnsafeRawPointer, UInt32) async throws(QMPError) -> T
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
