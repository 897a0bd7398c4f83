@testable import QMP
import QMPCore
import QMPTestSupport
import Testing

/// The reply table on its own: every order in which a reply, a timeout, a cancellation
/// and the storing of the waiter can meet, each one leaving the table empty.
@Suite("Pending commands", .timeLimit(.minutes(1)))
struct PendingCommandsTests {
    private static func reply(_ id: String?) -> Message {
        var object: JSONObject = ["return": [:]]
        if let id { object["id"] = .string(id) }
        return Message(object)
    }

    private static let timedOut = QMPError(.timedOut, "timed out")

    /// Stores a waiter for `key`, runs `body` while it is stored, and returns what it was resumed with.
    /// `body` must resume the waiter it is given (through the table).
    private static func waiting(
        in table: inout PendingCommands, key: PendingCommands.Key,
        _ body: (inout PendingCommands) -> Void = { _ in }
    ) async -> Result<Message, QMPError> {
        await withUnsafeContinuation { (waiter: PendingCommands.Waiter) in
            if let ready = table.wait(waiter, key: key) {
                waiter.resume(returning: ready)
                return
            }
            body(&table)
        }
    }

    private static func answer(_ id: String?, in table: inout PendingCommands) {
        if case .resume(let waiter) = table.reply(reply(id)) { waiter.resume(returning: .success(reply(id))) }
    }

    @Test func aGiveUpAfterTheReplyLeavesNothingBehind() async throws {
        var table = PendingCommands()
        let key = try table.send(id: "a")
        let result = await Self.waiting(in: &table, key: key) { Self.answer("a", in: &$0) }
        #expect((try? result.get())?.id == "a")
        // The timer fires late: nothing to fail, and nothing may stay behind.
        #expect(table.abandon(key, with: Self.timedOut) == nil)
        #expect(table.count == 0)
        // The id is free again, and its next command waits normally.
        let again = try table.send(id: "a")
        #expect(table.count == 1)
        let second = await Self.waiting(in: &table, key: again) { Self.answer("a", in: &$0) }
        #expect((try? second.get()) != nil)
        #expect(table.count == 0)
        #expect(table.unknownReplies == 0)
    }

    @Test func aReplyBeforeTheWaiterIsStoredIsHandedToIt() async throws {
        var table = PendingCommands()
        let key = try table.send(id: "a")
        guard case .drop = table.reply(Self.reply("a")) else {
            Issue.record("nobody waits yet; the reply must be kept, not resumed")
            return
        }
        #expect(table.count == 0)
        // A give-up racing in after the reply keeps the reply.
        #expect(table.abandon(key, with: Self.timedOut) == nil)
        let result = await Self.waiting(in: &table, key: key)
        #expect((try? result.get())?.id == "a")
        #expect(table.unknownReplies == 0)
    }

    @Test func aGiveUpBeforeTheWaiterIsStoredFailsWithItsOwnError() async throws {
        var table = PendingCommands()
        let key = try table.send(id: "a")
        #expect(table.abandon(key, with: Self.timedOut) == nil)
        #expect(table.count == 0)
        let result = await Self.waiting(in: &table, key: key)
        #expect(result.failureCode == .timedOut, "a timeout must not be reported as a cancellation")
        // Its late reply is expected and dropped; the id is free again.
        guard case .drop = table.reply(Self.reply("a")) else { return }
        #expect(table.unknownReplies == 0)
        _ = try table.send(id: "a")
    }

    @Test func aGiveUpWhileWaitingFailsTheWaiterAndDropsTheLateReply() async throws {
        var table = PendingCommands()
        let key = try table.send(id: "a")
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
        let first = try table.send(id: "a")
        #expect(throws: QMPError.self) { _ = try table.send(id: "a") }
        #expect(table.count == 1)
        let result = await Self.waiting(in: &table, key: first) { Self.answer("a", in: &$0) }
        #expect((try? result.get()) != nil)
    }

    @Test func idlessCommandsAreAnsweredInOrderAndAGivenUpOneKeepsItsPlace() async throws {
        var table = PendingCommands()
        let early = try table.send(id: nil)
        let next = try table.send(id: nil)
        #expect(table.abandon(early, with: Self.timedOut) == nil)
        #expect(await Self.waiting(in: &table, key: early).failureCode == .timedOut)
        let result = await Self.waiting(in: &table, key: next) { table in
            // The first reply belongs to the given-up command; only the second resumes.
            Self.answer(nil, in: &table)
            #expect(table.count == 1)
            Self.answer(nil, in: &table)
        }
        #expect((try? result.get()) != nil)
        #expect(table.abandon(next, with: Self.timedOut) == nil)
        #expect(table.count == 0)
        #expect(table.unknownReplies == 0)
    }

    @Test func closingFailsWaitersAndLaterCommandsButKeepsAReplyAlreadyIn() async throws {
        var table = PendingCommands()
        let answered = try table.send(id: "done")
        _ = table.reply(Self.reply("done"))
        let unwaited = try table.send(id: "b")
        let key = try table.send(id: "a")
        let result = await Self.waiting(in: &table, key: key) { table in
            for waiter in table.close(with: .disconnected("gone")) {
                waiter.resume(returning: .failure(.disconnected("gone")))
            }
        }
        #expect(result.failureCode == .disconnected)
        #expect(await Self.waiting(in: &table, key: unwaited).failureCode == .disconnected)
        #expect((try? await Self.waiting(in: &table, key: answered).get())?.id == "done")
        #expect(table.count == 0)
        #expect(throws: QMPError.self) { _ = try table.send(id: "c") }
    }
}
