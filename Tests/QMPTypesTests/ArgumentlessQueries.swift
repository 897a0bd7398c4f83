import QMPTypes

/// Every `query-*` command of QEMU 7.2 (x86_64, `-machine none`) that needs no argument.
/// `RealQEMUTypedTests` checks this list against the connected QEMU's schema, so a command
/// missing here fails the test instead of going untested.
let argumentlessQueries: [any QMPCommand] = [
    QueryStatus(), QueryPrManagers(), QueryBlock(), QueryBlockstats(), QueryBlockJobs(), QueryNamedBlockNodes(),
    QueryJobs(), QueryBlockExports(), QueryChardev(), QueryChardevBackends(), QueryDump(),
    QueryDumpGuestMemoryCapability(), QueryRxFilter(), QueryTpmModels(), QueryTpmTypes(), QueryTpm(), QuerySpice(),
    QueryVnc(), QueryVncServers(), QueryMice(), QueryDisplayOptions(), QueryMigrate(), QueryMigrateCapabilities(),
    QueryMigrateParameters(), QueryXenReplicationStatus(), QueryColoStatus(), QueryDirtyRate(), QueryVcpuDirtyLimit(),
    QueryVersion(), QueryCommands(), QueryQmpSchema(), QueryCpusFast(), QueryMachines(), QueryCurrentMachine(),
    QueryTarget(), QueryUuid(), QueryVmGenerationID(), QueryKvm(), QueryMemdev(), QueryHotpluggableCpus(),
    QueryBalloon(), QueryMemorySizeSummary(), QueryMemoryDevices(), QueryCpuDefinitions(), QueryReplay(), QueryYank(),
    QueryName(), QueryIothreads(), QueryFdsets(), QueryCommandLineOptions(), QuerySev(), QuerySevLaunchMeasure(),
    QuerySevCapabilities(), QuerySgx(), QuerySgxCapabilities(), QueryAcpiOspmStatus(), QueryPci(), QueryStatsSchemas(),
]

/// The names of the `query-*` commands whose arguments are all optional, read from a
/// `query-qmp-schema` reply.
func argumentlessQueryNames(inSchema schema: JSONValue) -> Set<String> {
    let entities = schema.arrayValue ?? []
    var byName: [String: JSONValue] = [:]
    for entity in entities { if let name = entity["name"]?.stringValue { byName[name] = entity } }
    var names: Set<String> = []
    for entity in entities where entity["meta-type"] == "command" {
        guard let name = entity["name"]?.stringValue, name.hasPrefix("query-"),
              let argType = entity["arg-type"]?.stringValue else { continue }
        let members = byName[argType]?["members"]?.arrayValue ?? []
        if members.allSatisfy({ $0["default"] != nil }) { names.insert(name) }
    }
    return names
}

/// Where two JSON values first differ, member order aside (`nil` when they are the same);
/// numbers compare by value (QEMU writes a `number` member `0` as an integer, `Double` encodes `0.0`).
func jsonDifference(_ a: JSONValue, _ b: JSONValue, at path: String = "") -> String? {
    switch (a, b) {
    case (.object(let x), .object(let y)):
        for key in Set(x.keys).symmetricDifference(y.keys) { return "\(path).\(key): only on one side" }
        for member in x {
            if let difference = y[member.key].flatMap({ jsonDifference(member.value, $0, at: path + "." + member.key) }) {
                return difference
            }
        }
        return nil
    case (.array(let x), .array(let y)):
        guard x.count == y.count else { return "\(path): \(x.count) elements against \(y.count)" }
        for (index, pair) in zip(x, y).enumerated() {
            if let difference = jsonDifference(pair.0, pair.1, at: "\(path)[\(index)]") { return difference }
        }
        return nil
    case (.int, .double), (.double, .int), (.uint, .double), (.double, .uint):
        return a.doubleValue == b.doubleValue ? nil : "\(path): \(a) against \(b)"
    default:
        return a == b ? nil : "\(path): \(a) against \(b)"
    }
}
