@testable import QMPEvents
import QMPCore
import QMPTestSupport
import Testing

/// Cancellation of a listener's readers, in every order against their registration.
@Suite("Listener cancellation", .timeLimit(.minutes(1)))
struct ListenerCancellationTests {
    @Test func aReaderCancelledBeforeRegisteringFailsEvenAfterALaterOneRegistered() async {
        var state = ListenerState(policy: .unbounded, historyLimit: 0)
        let first = state.makeToken()
        let second = state.makeToken()
        // The second reader registers first and waits; the first is cancelled before registering.
        let secondResult = await withCheckedContinuation { (outer: CheckedContinuation<Result<Event, QMPError>, Never>) in
            #expect(state.next(orWait: outer, token: second).isWait)
            #expect(state.cancelWait(token: first) == nil)
            // The first registers late: it must fail at once instead of waiting forever.
            if case .ended(let error) = state.next(orWait: outer, token: first) {
                #expect(error.code == .cancelled)
            } else {
                Issue.record("a cancelled reader was registered to wait")
            }
            // The second is still waiting, and cancelling it now returns it to be resumed.
            state.cancelWait(token: second)?.resume(returning: .failure(.cancelled("test")))
        }
        #expect(secondResult.failureCode == .cancelled)
        #expect(state.waitingCount == 0)
    }

    @Test func aTimeoutBeforeRegisteringFailsTheRegistrationWithTimedOut() async {
        var state = ListenerState(policy: .unbounded, historyLimit: 0)
        let token = state.makeToken()
        #expect(state.cancelWait(token: token, error: QMPError(.timedOut, "late")) == nil)
        let result = await withCheckedContinuation { (waiter: ListenerState.Waiter) in
            switch state.next(orWait: waiter, token: token) {
            case .ended(let error): waiter.resume(returning: .failure(error))
            case .event(let event): waiter.resume(returning: .success(event))
            case .wait:
                Issue.record("a timed-out reader was registered to wait")
                state.cancelWait(token: token)?.resume(returning: .failure(.cancelled("test")))
            }
        }
        #expect(result.failureCode == .timedOut)
    }

    @Test func getWithATimeoutFailsInTimeAndLosesNoEvent() async throws {
        let hub = EventHub()
        let listener = Listener(EventNames("STOP"))
        try hub.register(listener)
        do {
            _ = try await listener.get(timeout: .milliseconds(10))
            Issue.record("get(timeout:) returned without an event")
        } catch {
            #expect(error.code == .timedOut)
        }
        #expect(listener.waitingReaderCount == 0, "the timed-out wait must not stay registered")
        hub.dispatch(Event(name: "STOP"))
        // The event that came after the timeout is queued for the next read.
        #expect(try await listener.get(timeout: .seconds(30)).name == "STOP")
    }

    @Test func aCancellationAfterCompletionChangesNothing() async {
        var state = ListenerState(policy: .unbounded, historyLimit: 0)
        let token = state.makeToken()
        let event = Event(name: "STOP")
        let result = await withCheckedContinuation { (waiter: ListenerState.Waiter) in
            #expect(state.next(orWait: waiter, token: token).isWait)
            state.accept(event)?.resume(returning: .success(event))
        }
        #expect((try? result.get())?.name == "STOP")
        #expect(state.cancelWait(token: token) == nil)
        // A later reader is unaffected by the stale cancellation.
        let later = state.makeToken()
        #expect(state.accept(event) == nil, "nobody was waiting")
        let next = await withCheckedContinuation { (waiter: ListenerState.Waiter) in
            switch state.next(orWait: waiter, token: later) {
            case .event(let event): waiter.resume(returning: .success(event))
            case .ended(let error): waiter.resume(returning: .failure(error))
            case .wait:
                Issue.record("the queued event was not handed out")
                state.cancelWait(token: later)?.resume(returning: .failure(.cancelled("test")))
            }
        }
        #expect((try? next.get())?.name == "STOP")
    }
}

extension ListenerState.Next {
    var isWait: Bool {
        if case .wait = self { return true }
        return false
    }
}
