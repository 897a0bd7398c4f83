#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QMPCore

/// One resolved socket address.
struct ResolvedAddress: Sendable {
    let family: Int32
    let bytes: [UInt8]

    func withSockaddr<T>(_ body: (UnsafeRawPointer, socklen_t) async throws(QMPError) -> T) async throws(QMPError) -> T {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        defer { pointer.deallocate() }
        bytes.withUnsafeBytes { buffer in if let base = buffer.baseAddress { pointer.copyMemory(from: base, byteCount: buffer.count) } }
        return try await body(UnsafeRawPointer(pointer), socklen_t(bytes.count))
    }
}

/// getaddrinfo, kept off the cooperative thread pool.
enum Resolver {
    /// Numeric addresses resolve inline; names go to a short-lived thread, because
    /// getaddrinfo blocks and may take seconds.
    static func resolve(_ endpoint: HostPort, passive: Bool = false) async throws(QMPError) -> [ResolvedAddress] {
        let numeric = lookup(endpoint, numericOnly: true, passive: passive)
        if case .success(let addresses) = numeric, !addresses.isEmpty { return addresses }
        let result: Result<[ResolvedAddress], QMPError> = await withCheckedContinuation { continuation in
            runDetached { continuation.resume(returning: lookup(endpoint, numericOnly: false, passive: passive)) }
        }
        return try result.get()
    }

    private static func lookup(_ endpoint: HostPort, numericOnly: Bool, passive: Bool) -> Result<[ResolvedAddress], QMPError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = (numericOnly ? AI_NUMERICHOST : 0) | (passive ? AI_PASSIVE : 0) | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard rc == 0 else {
            let reason = gai_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
            return .failure(QMPError(.connectionFailed, "resolving \(endpoint) failed: \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [ResolvedAddress] = []
        var node = list
        while let current = node {
            if let address = current.pointee.ai_addr {
                let bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(current.pointee.ai_addrlen)))
                addresses.append(ResolvedAddress(family: current.pointee.ai_family, bytes: bytes))
            }
            node = current.pointee.ai_next
        }
        return .success(addresses)
    }

    private static func runDetached(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<Box>.fromOpaque(argument).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        if rc == 0 {
            pthread_detach(thread)
        } else {
            box.takeRetainedValue().body()
        }
    }

    private final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
