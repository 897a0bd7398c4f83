@testable import QMP
import QMPCore
import Testing

/// The reply table on its own: every order in which a reply, a timeout, a cancellation
/// and the storing of the waiter can meet, each one leaving the table empty.
@Suite("Pending commands")
struct PendingCommandsTests {
    private static func reply(_ id: String?) -> Message {
        var object: JSONObject = ["return": [:]]
        if let id { object["id"] = .string(id) }
        return Message(object)
    }

    private static let timedOut = QMPError(.timedOut, "timed out")

    /// Stores a waiter for `key`, runs `body` while it is stored, and returns what it was resumed with.
    private static func waiting(
        in table: inout PendingCommands, key: PendingCommands.Key,
        _ body: (inout PendingCommands) -> Void
    ) async -> Result<Message, QMPError> {
        await withCheckedContinuation { (waiter: PendingCommands.Waiter) in
            if let immediate = table.add(waiter, key: key) {
                waiter.resume(returning: immediate)
                return
            }
            body(&table)
        }
    }

    @Test func aGiveUpAfterTheReplyLeavesNothingBehind() async throws {
        var table = PendingCommands()
        let key = try table.reserve(id: "a")
        let result = await Self.waiting(in: &table, key: key) { table in
            guard case .resume(let waiter) = table.reply(Self.reply("a")) else {
                Issue.record("the reply found no waiter")
                return
            }
            waiter.resume(returning: .success(Self.reply("a")))
        }
        #expect((try? result.get())?.id == "a")
        // The timer fires late: nothing to fail, and nothing may stay behind.
        #expect(table.abandon(key, with: Self.timedOut) == nil)
        #expect(table.count == 0)
        // The id is free again, and its next command waits normally.
        let again = try table.reserve(id: "a")
        let second = await Self.waiting(in: &table, key: again) { table in
            #expect(table.count == 1)
            guard case .resume(let waiter) = table.reply(Self.reply("a")) else { return }
            waiter.resume(returning: .success(Self.reply("a")))
        }
        #expect((try? second.get()) != nil)
        #expect(table.unknownReplies == 0)
    }

    @Test func aGiveUpBeforeTheWaiterIsStoredFailsWithItsOwnError() async throws {
        var table = PendingCommands()
        let key = try table.reserve(id: "a")
        #expect(table.abandon(key, with: Self.timedOut) == nil)
        let result = await Self.waiting(in: &table, key: key) { _ in
            Issue.record("a command given up before it was stored must not wait")
        }
        #expect(result.failureCode == .timedOut, "a timeout must not be reported as a cancellation")
        #expect(table.count == 0)
        _ = try table.reserve(id: "a")
    }

    @Test func aGiveUpWhileWaitingFailsTheWaiterAndDropsTheLateReply() async throws {
        var table = PendingCommands()
        let key = try table.reserve(id: "a")
        let result = await Self.waiting(in: &table, key: key) { table in
            table.abandon(key, with: Self.timedOut)?.resume(returning: .failure(Self.timedOut))
        }
        #expect(result.failureCode == .timedOut)
        #expect(table.count == 0)
        guard case .drop = table.reply(Self.reply("a")) else {
            Issue.record("a late reply must be dropped")
            return
        }
        #expect(table.unknownReplies == 0, "a late reply to a command given up is expected, not unknown")
    }

    @Test func aDuplicateIdIsRefusedWithoutDisturbingTheFirst() async throws {
        var table = PendingCommands()
        let first = try table.reserve(id: "a")
        #expect(throws: QMPError.self) { _ = try table.reserve(id: "a") }
        #expect(table.abandon(first, with: Self.timedOut) == nil)
        let result = await Self.waiting(in: &table, key: first) { _ in }
        #expect(result.failureCode == .timedOut)
    }

    @Test func idlessCommandsGivenUpEitherSideOfTheirReplyLeaveNothing() async throws {
        var table = PendingCommands()
        let early = try table.reserve(id: nil)
        #expect(table.abandon(early, with: Self.timedOut) == nil)
        #expect(await Self.waiting(in: &table, key: early) { _ in }.failureCode == .timedOut)

        let late = try table.reserve(id: nil)
        let result = await Self.waiting(in: &table, key: late) { table in
            guard case .resume(let waiter) = table.reply(Self.reply(nil)) else { return }
            waiter.resume(returning: .success(Self.reply(nil)))
        }
        #expect((try? result.get()) != nil)
        #expect(table.abandon(late, with: Self.timedOut) == nil)
        #expect(table.count == 0)
    }

    @Test func closingFailsEveryWaiterAndLaterReservations() async throws {
        var table = PendingCommands()
        let key = try table.reserve(id: "a")
        let result = await Self.waiting(in: &table, key: key) { table in
            for waiter in table.close(with: .disconnected("gone")) {
                waiter.resume(returning: .failure(.disconnected("gone")))
            }
        }
        #expect(result.failureCode == .disconnected)
        #expect(table.count == 0)
        #expect(throws: QMPError.self) { _ = try table.reserve(id: "b") }
    }
}

extension Result where Failure == QMPError {
    var failureCode: QMPError.Code? {
        guard case .failure(let error) = self else { return nil }
        return error.code
    }
}
