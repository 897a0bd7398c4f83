import Foundation
import QMP

@main
enum QMPShellMain {
    static func main() async {
        let options: ShellOptions
        do {
            options = try ShellOptions(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            guard let message = error.message else {
                print(ShellOptions.usage)
                return
            }
            FileHandle.standardError.write(Data("qmp-shell: \(message)\nTry 'qmp-shell --help'.\n".utf8))
            exit(2)
        }
        exit(await run(options))
    }

    /// Runs the session; returns the exit status.
    private static func run(_ options: ShellOptions) async -> Int32 {
        let interactive = options.commands.isEmpty && LineReader.stdinIsTerminal
        let output = ShellOutput(pretty: options.pretty, json: options.json, interactive: interactive)
        let connection: ShellConnection
        do {
            connection = try await ShellConnection.open(options)
        } catch {
            output.write("qmp-shell: \(describe(error))\n", to: 2)
            return 2
        }
        var configuration = QMPClient.Configuration()
        if options.trace {
            configuration.trace = { record in
                output.write("\(record.direction == .sent ? "->" : "<-") \(record.text)\n", to: 2)
            }
        }
        let client = QMPClient(configuration: configuration)
        defer { Task { await connection.close() } }
        do {
            let greeting = try await client.connect(connection.transport)
            if !options.json { output.write("\(connection.banner)\nQEMU \(greeting.version) \(greeting.version.package)\n") }
        } catch {
            output.write("qmp-shell: \(describe(error))\n", to: 2)
            await connection.close()
            return 2
        }
        let session = ShellSession(client: client, options: options, output: output)
        let status = await session.run(interactive: interactive)
        await client.disconnect()
        await connection.close()
        return status
    }

    static func describe(_ error: any Error) -> String {
        (error as? QMPError)?.message ?? "\(error)"
    }
}
