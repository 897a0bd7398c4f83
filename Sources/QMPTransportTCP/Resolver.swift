#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import QMPCore
import Synchronization

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
    /// getaddrinfo blocks and may take seconds. Cancelling the task ends the wait at once
    /// (the thread finishes the lookup and drops its answer).
    static func resolve(_ endpoint: HostPort, passive: Bool = false) async throws(QMPError) -> [ResolvedAddress] {
        let numeric = lookup(endpoint, numericOnly: true, passive: passive)
        if case .success(let addresses) = numeric, !addresses.isEmpty { return addresses }
        return try await waitCancellably(for: endpoint) { lookup(endpoint, numericOnly: false, passive: passive) }.get()
    }

    /// Runs blocking `work` on a thread of its own and waits for its answer, or for the
    /// task's cancellation, whichever comes first.
    static func waitCancellably(
        for endpoint: HostPort, _ work: @escaping @Sendable () -> Result<[ResolvedAddress], QMPError>
    ) async -> Result<[ResolvedAddress], QMPError> {
        let answer = FirstAnswer()
        return await withCancellableContinuation { continuation in
            answer.wait(continuation)
            runDetached { answer.settle(work()) }
        } onCancel: {
            answer.settle(.failure(.cancelled("resolving \(endpoint)")))
        }
    }

    /// Whichever of the lookup and the cancellation comes first: the waiter is resumed once.
    private final class FirstAnswer: Sendable {
        private struct State {
            var waiter: CheckedContinuation<Result<[ResolvedAddress], QMPError>, Never>?
            var answer: Result<[ResolvedAddress], QMPError>?
        }
        private let state = Lock(State())

        func wait(_ waiter: CheckedContinuation<Result<[ResolvedAddress], QMPError>, Never>) {
            let ready = state.withLock { state -> Result<[ResolvedAddress], QMPError>? in
                guard let answer = state.answer else {
                    state.waiter = waiter
                    return nil
                }
                return answer
            }
            if let ready { waiter.resume(returning: ready) }
        }

        func settle(_ answer: Result<[ResolvedAddress], QMPError>) {
            let waiter = state.withLock { state -> CheckedContinuation<Result<[ResolvedAddress], QMPError>, Never>? in
                guard case .none = state.answer else { return nil }
                state.answer = answer
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: answer)
        }
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
