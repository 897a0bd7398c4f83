import Glibc
import QMP
import QMPTestSupport
import QMPTransportUnix
import Testing

/// The client against a real `qemu-system-x86_64 -machine none`.
@Suite("QMPClient against real QEMU", .serialized, .requiresQEMU, .timeLimit(.minutes(2)))
struct RealQEMUClientTests {
    @Test func greetingAndQueryStatus() async throws {
        try await withConnectedQEMU { client, greeting in
            #expect(greeting.version.major >= 7)
            #expect(greeting.capabilities.contains("oob"))
            let status = try await client.execute("query-status")
            #expect(status["status"]?.stringValue != nil)
            #expect(status["running"]?.boolValue != nil)
        }
    }

    @Test func theSchemaArrivesAsOneLargeMessage() async throws {
        try await withConnectedQEMU { client, _ in
            let schema = try await client.execute("query-qmp-schema")
            let entries = try #require(schema.arrayValue)
            #expect(entries.count > 1_000)
            #expect(schema.serializedBytes().count > 150_000)
            #expect(entries.contains { $0["name"] == "query-status" })
        }
    }

    @Test func unknownCommandsFailWithCommandNotFound() async throws {
        try await withConnectedQEMU { client, _ in
            let error = await expectQMPError(.commandFailed) { try await client.execute("no-such-command") }
            #expect(error?.errorClass == "CommandNotFound")
            #expect(error?.errorDescription == "The command no-such-command has not been found")
            // The session survives the error.
            let status = try await client.execute("query-status")
            #expect(status["status"] != nil)
        }
    }

    @Test func aThousandPipelinedCommands() async throws {
        try await withConnectedQEMU { client, _ in
            try await withThrowingTaskGroup(of: JSONValue.self) { group in
                for _ in 0..<1_000 { group.addTask { try await client.execute("query-status") } }
                var count = 0
                for try await status in group {
                    #expect(status["status"] != nil)
                    count += 1
                }
                #expect(count == 1_000)
            }
        }
    }

    /// QEMU keeps only the latest descriptors it received, and with `oob` it reads commands
    /// ahead of running them: unless the client sends each `getfd` only after the previous
    /// one's reply, most of them find no descriptor.
    @Test func concurrentGetfdCommandsEachGetTheirDescriptor() async throws {
        try await withConnectedQEMU { client, greeting in
            #expect(greeting.capabilities.contains("oob"), "the race needs oob negotiated")
            var pipes: [Int32] = []
            for _ in 0..<8 {
                var pair: [Int32] = [-1, -1]
                #expect(pipe(&pair) == 0)
                pipes += pair
            }
            defer { for fd in pipes { close(fd) } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, fd) in pipes.enumerated() {
                    group.addTask {
                        try await client.execute("getfd", arguments: ["fdname": .string("fd\(index)")], fileDescriptors: [fd])
                    }
                    // Plain commands pipeline between them meanwhile.
                    group.addTask { _ = try await client.execute("query-status") }
                }
                try await group.waitForAll()
            }
            for index in pipes.indices {
                try await client.execute("closefd", arguments: ["fdname": .string("fd\(index)")])
            }
        }
    }

    @Test func quitSendsShutdownThenTheConnectionEnds() async throws {
        try await withConnectedQEMU { client, _ in
            try await client.execute("quit")
            let shutdown = try await client.events.get()
            #expect(shutdown.name == "SHUTDOWN")
            for await state in client.runStates() where state == .idle { break }
            #expect(client.lastError?.code == .disconnected)
        }
    }

    private func withConnectedQEMU(
        _ body: (QMPClient, Greeting) async throws -> Void
    ) async throws {
        try await QEMUInstance.with { qemu in
            let client = QMPClient()
            let greeting = try await client.connect(try await UnixSocketTransport.connect(path: qemu.socketPath))
            do {
                try await body(client, greeting)
            } catch {
                await client.disconnect()
                throw error
            }
            await client.disconnect()
        }
    }
}
