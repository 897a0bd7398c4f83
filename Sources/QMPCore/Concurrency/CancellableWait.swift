/// Suspends until `body`'s continuation is resumed, calling `onCancel` if the task is
/// cancelled meanwhile (at once if it already is), resuming on the caller's executor.
///
/// Why not `withTaskCancellationHandler` alone: in Swift 6.3 its operation closure runs
/// on the global executor whatever the caller's isolation (fixed upstream by
/// swiftlang/swift#85518), so a caller on an actor hops to the pool on the way in
/// and is resumed there before hopping back: two extra scheduling steps per wait. A
/// closure formed in a `@MainActor` function is inferred `@MainActor` and makes no
/// hop, so callers on the main actor, where UI code and `main.swift` run, are routed
/// through one. Other actors still make the hop until the toolchain's fix ships.
package nonisolated(nonsending) func withCancellableContinuation<T: Sendable>(
    _ body: @Sendable (CheckedContinuation<T, Never>) -> Void,
    onCancel: @Sendable () -> Void
) async -> T {
    await withCancellableUnsafeContinuation({ body(CheckedContinuation(continuation: $0)) }, onCancel: onCancel)
}

/// ``withCancellableContinuation(_:onCancel:)`` without the checked continuation's
/// allocation, for a waiter table that resumes every waiter it stores exactly once
/// (the command path: `PendingCommands`).
package nonisolated(nonsending) func withCancellableUnsafeContinuation<T: Sendable>(
    _ body: @Sendable (UnsafeContinuation<T, Never>) -> Void,
    onCancel: @Sendable () -> Void
) async -> T {
    if isMainActor(#isolation) {
        return await waitOnMainActor(body, onCancel: onCancel)
    }
    return await withTaskCancellationHandler {
        await withUnsafeContinuation(body)
    } onCancel: {
        onCancel()
    }
}

@MainActor
private func waitOnMainActor<T: Sendable>(
    _ body: @Sendable (UnsafeContinuation<T, Never>) -> Void,
    onCancel: @Sendable () -> Void
) async -> T {
    await withTaskCancellationHandler {
        await withUnsafeContinuation(body)
    } onCancel: {
        onCancel()
    }
}

/// `#isolation === MainActor.shared` written inline above crashes Swift 6.3's optimizer
/// ("PHINode should have one entry for each predecessor"); through a function it does not.
private func isMainActor(_ actor: (any Actor)?) -> Bool {
    actor === MainActor.shared
}
