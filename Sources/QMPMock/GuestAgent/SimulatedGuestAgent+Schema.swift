import QMPCore

extension SimulatedGuestAgent {
    /// The arguments of the commands it simulates, as qemu-ga 7.2 takes them (names and
    /// types from its reference manual's facts), in `query-qmp-schema`'s form: qemu-ga has
    /// no such command, but checks its input the same way, with the same errors.
    static let argumentSchema: QMPSchema? = {
        func object(_ name: String, _ members: [(String, String, optional: Bool)]) -> JSONValue {
            let list = members.map { member -> JSONValue in
                var entry: JSONObject = ["name": .string(member.0), "type": .string(member.1)]
                if member.optional { entry["default"] = .null }
                return .object(entry)
            }
            return ["name": .string(name), "meta-type": "object", "members": .array(list)]
        }
        func command(_ name: String, _ arguments: String) -> JSONValue {
            ["name": .string(name), "meta-type": "command", "arg-type": .string(arguments), "ret-type": "any"]
        }
        let noArguments = ["guest-ping", "guest-info", "guest-get-host-name", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid"]
        var entities: [JSONValue] = noArguments.map { command($0, "0") } + [
            command("guest-sync", "sync"), command("guest-sync-delimited", "sync"),
            command("guest-shutdown", "shutdown"), command("guest-exec", "exec"), command("guest-exec-status", "pid"),
            command("guest-file-open", "open"), command("guest-file-read", "read"), command("guest-file-write", "write"),
            command("guest-file-seek", "seek"), command("guest-file-flush", "handle"), command("guest-file-close", "handle"),
            object("0", []),
            object("sync", [("id", "int", false)]),
            object("shutdown", [("mode", "str", true)]),
            object("exec", [("path", "str", false), ("arg", "[str]", true), ("env", "[str]", true),
                            ("input-data", "str", true), ("capture-output", "bool", true)]),
            object("pid", [("pid", "int", false)]),
            object("open", [("path", "str", false), ("mode", "str", true)]),
            object("read", [("handle", "int", false), ("count", "int", true)]),
            object("write", [("handle", "int", false), ("buf-b64", "str", false), ("count", "int", true)]),
            object("seek", [("handle", "int", false), ("offset", "int", false), ("whence", "GuestFileWhence", false)]),
            object("handle", [("handle", "int", false)]),
            ["name": "GuestFileWhence", "meta-type": "alternate", "members": [["type": "int"], ["type": "QGASeek"]]],
            ["name": "QGASeek", "meta-type": "enum", "values": ["set", "cur", "end"]],
            ["name": "[str]", "meta-type": "array", "element-type": "str"],
        ]
        for (name, json) in [("int", "int"), ("str", "string"), ("bool", "boolean"), ("any", "value")] {
            entities.append(["name": .string(name), "meta-type": "builtin", "json-type": .string(json)])
        }
        return try? QMPSchema(.array(entities))
    }()
}
