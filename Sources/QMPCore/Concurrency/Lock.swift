#if QMP_TSAN_LOCKS
internal import Glibc
#else
package import Synchronization
#endif

#if QMP_TSAN_LOCKS
/// The lock every module of the package uses: `Synchronization.Mutex` in normal
/// builds, a `pthread_mutex_t` when built with `-Xswiftc -DQMP_TSAN_LOCKS`
/// (`Scripts/sanitize`).
///
/// On Linux `Mutex` waits on a futex from inside the uninstrumented standard
/// library, so ThreadSanitizer never sees it taken or released and reports every
/// access it guards as a race; it does intercept `pthread_mutex_lock`. The API is
/// the part of `Mutex` the package uses, with the same signatures, so code
/// compiles unchanged either way.
package struct Lock<Value: ~Copyable>: ~Copyable {
    // Both on the heap: a pthread mutex must not move once initialised, and a
    // noncopyable struct may be moved.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    /// A lock guarding `initialValue`.
    package init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        // A default (non-recursive, non-error-checking) mutex, as `Mutex` is.
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    package borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    /// Runs `body` with exclusive access to the value if the lock is free right
    /// now; `nil` without running it otherwise.
    package borrowing func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}

// Sendable for the same reason `Mutex` is: the value is only reached under the
// mutex, and it comes in and goes out as `sending`, so no other reference to it
// outlives a critical section.
extension Lock: @unchecked Sendable where Value: ~Copyable {}
#else
/// The lock every module of the package uses: `Synchronization.Mutex` in normal
/// builds, a `pthread_mutex_t` when built with `-Xswiftc -DQMP_TSAN_LOCKS`
/// (`Scripts/sanitize`), which ThreadSanitizer can see and `Mutex` on Linux it
/// cannot. As an alias it costs nothing here.
package typealias Lock<Value: ~Copyable> = Mutex<Value>
#endif
