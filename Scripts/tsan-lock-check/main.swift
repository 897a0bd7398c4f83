// Scripts/sanitize compiles this with Sources/QMPCore/Concurrency/Lock.swift under
// ThreadSanitizer twice: with -DQMP_TSAN_LOCKS it must report nothing (TSan sees
// the pthread lock), without it (Lock is Synchronization.Mutex) it reports the
// accesses as races, which shows the check can fail.
internal import Glibc

final class Shared: Sendable { let numbers = Lock<[Int]>([]) }
let shared = Shared()
func appendMany(_: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    for n in 0..<200_000 { shared.numbers.withLock { $0.append(n) } }
    return nil
}
var first = pthread_t(), second = pthread_t()
pthread_create(&first, nil, appendMany, nil)
pthread_create(&second, nil, appendMany, nil)
pthread_join(first, nil)
pthread_join(second, nil)
print(shared.numbers.withLock { $0.count })
