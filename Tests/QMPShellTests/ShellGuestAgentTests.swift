import QMPTestSupport
import Testing

@Suite("qmp-shell --agent", .timeLimit(.minutes(2)))
struct ShellGuestAgentTests {
    @Test func builtInSimulatedAgent() async throws {
        let output = try await BuiltTool.run(
            "qmp-shell", ["--agent"], input: "guest-ping\nguest-exec path=/bin/echo arg=[\"hi\"] capture-output=true\nguest-shutdown\n"
        )
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("simulated guest agent"))
        #expect(output.stdout.contains(#"{"pid":"#))
    }

    @Test("qom-tree is QEMU's: an agent gets it as the command it names, not as a qom-get")
    func qomTreeIsNotAnAgentCommand() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["--agent", "-c", "qom-tree"])
        #expect(output.status == 1)
        #expect(output.stdout.contains("qom-tree") && !output.stdout.contains("qom-get"), "\(output.stdout)")
    }

    @Test(.requiresGuestAgent) func realAgentWithTheShellSyntax() async throws {
        try await GuestAgentInstance.with { agent in
            let output = try await BuiltTool.run(
                "qmp-shell", ["-N", agent.socketPath],
                input: "guest-ping\nguest-exec path=/bin/echo arg=[\"a\",\"b\"]\n{\"execute\": \"guest-get-osinfo\"}\nno-such-command\n"
            )
            #expect(output.status == 1, "the unknown command fails the script: \(output.stderr)")
            #expect(output.stdout.contains("QEMU Guest Agent 7.2"))
            #expect(output.stdout.contains("{}\n"))
            #expect(output.stdout.contains(#"{"pid":"#))
            #expect(output.stdout.contains(#""kernel-release""#))
            #expect(output.stdout.contains("error: CommandNotFound: The command no-such-command has not been found"))
        }
    }

    @Test func agentOptionIsRefusedWithLaunch() async throws {
        let output = try await BuiltTool.run("qmp-shell", ["--agent", "--launch"], input: "")
        #expect(output.status == 2)
        #expect(output.stderr.contains("--agent"))
    }
}
