import Glibc
import QMPCore
import QMPTestSupport
@testable import QMPTransportTCP
import Synchronization
import Testing

/// Found in review: a name lookup that stalls (an unanswering DNS server) held `connect`
/// past its task's cancellation and its timeout, for as long as getaddrinfo took.
@Suite("TCP name lookup", .timeLimit(.minutes(1)))
struct ResolverCancellationTests {
    @Test func aStalledLookupEndsWithItsTasksCancellation() async throws {
        let endpoint = try HostPort(parsing: "stalled.invalid:4444")
        let started = Atomic<Bool>(false)
        let release = Lock(false)
        let lookup = Task {
            await Resolver.waitCancellably(for: endpoint) {
                started.store(true, ordering: .releasing)
                // Stands in for getaddrinfo waiting on the network; released when the test ends.
                while !release.withLock({ $0 }) { usleep(1_000) }
                return .success([])
            }
        }
        defer { release.withLock { $0 = true } }
        try await waitUntil("the lookup runs") { started.load(ordering: .acquiring) }
        lookup.cancel()
        guard case .failure(let error) = await lookup.value else {
            Issue.record("the stalled lookup answered")
            return
        }
        #expect(error.code == .cancelled)
    }
}
