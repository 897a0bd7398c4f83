import QMPGuestAgentTypes
import QMPTypes
import QMPTypesSupport
import Testing

/// Typed replies from QEMU releases other than 7.2, and the generator's pairing of
/// alternatives, as a review of the bindings found them.
@Suite("Typed bindings and other QEMU releases")
struct LaterQEMUDecodingTests {
    @Test("query-status from a QEMU that has removed singlestep (9.0 on) decodes")
    func statusWithoutSinglestep() throws {
        let status = try decode(QueryStatus.Result.self, #"{"running": true, "status": "running"}"#)
        #expect(status.status == .running)
        #expect(status.running)
    }

    @Test("members deprecated in 7.2 or later decode when absent, and round-trip when present")
    func deprecatedMembersOptional() throws {
        let sgx = try decode(SGXInfo.self, #"{"sgx": true, "sgx1": true, "sgx2": false, "flc": true, "sections": []}"#)
        #expect(sgx.sgx && sgx.sections.isEmpty)
        let stats = #""transferred": 1, "remaining": 2, "total": 3, "duplicate": 4, "normal": 5, "normal-bytes": 6, "#
            + #""dirty-pages-rate": 7, "mbps": 8.5, "dirty-sync-count": 9, "postcopy-requests": 10, "page-size": 4096, "#
            + #""multifd-bytes": 11, "pages-per-second": 12, "precopy-bytes": 13, "downtime-bytes": 14, "postcopy-bytes": 15, "#
            + #""dirty-sync-missed-zero-copy": 16"#
        #expect(try decode(MigrationStats.self, "{" + stats + "}").pageSize == 4096)
        let withSkipped = try decode(MigrationStats.self, "{" + stats + #", "skipped": 17}"#)
        #expect(try JSONValueEncoder().encode(withSkipped)["skipped"] == 17)
        let schemaEnum = try decode(SchemaInfoEnum.self, #"{"members": [{"name": "a"}]}"#)
        #expect(schemaEnum.members.first?.name == "a")
    }

    @Test("StatsValue's alternatives carry the names of their JSON kinds")
    func statsValueNames() throws {
        guard case .list(let list) = try decode(StatsValue.self, "[1, 2]"), list == [1, 2] else {
            Issue.record("an array is the list alternative")
            return
        }
        guard case .boolean(true) = try decode(StatsValue.self, "true") else {
            Issue.record("true is the boolean alternative")
            return
        }
        guard case .scalar(7) = try decode(StatsValue.self, "7") else {
            Issue.record("a number is the scalar alternative")
            return
        }
        #expect(try JSONValueEncoder().encode(StatsValue.list([3])) == [3])
    }

    @Test("guest-get-devices returns an array of GuestDeviceInfo")
    func guestGetDevicesArray() throws {
        let devices = try decode(GuestGetDevices.Result.self, #"[{"driver-name": "vioscsi"}]"#)
        #expect(devices.map(\.driverName) == ["vioscsi"])
    }

    @Test("an optional member of an alternate with a null keeps an explicit null apart from absence")
    func explicitNullKept() throws {
        let reset = try decode(MigrateSetParameters.self, #"{"tls-creds": null}"#)
        guard case .n? = reset.tlsCreds else {
            Issue.record("null is the null alternative, not absence: \(String(describing: reset.tlsCreds))")
            return
        }
        #expect(try JSONValueEncoder().encode(reset) == ["tls-creds": nil])
        let untouched = try decode(MigrateSetParameters.self, "{}")
        #expect(untouched.tlsCreds == nil)
        #expect(try JSONValueEncoder().encode(untouched) == [:])
    }

    @Test("EmptyObject takes objects only; Float refuses a number beyond its range")
    func emptyObjectAndFloat() throws {
        #expect(throws: DecodingError.self) { try decode(EmptyObject.self, "[]") }
        #expect(throws: DecodingError.self) { try decode(EmptyObject.self, "null") }
        _ = try decode(EmptyObject.self, #"{"added-later": 1}"#)
        #expect(try JSONValueEncoder().encode(EmptyObject()) == [:])
        #expect(throws: DecodingError.self) { try decode(Float.self, "1e300") }
        #expect(try decode(Float.self, "1.5") == 1.5)
    }

    @Test("a type mismatch names the found value briefly, not a whole subtree")
    func briefMismatch() throws {
        let big = try JSONParser.parse(Array(("[" + Array(repeating: "123456789", count: 10_000).joined(separator: ",") + "]").utf8))
        do throws(QMPError) {
            _ = try JSONValueDecoder().decodeReply([StatusInfo].self, from: ["a": big], what: "the result", command: "query-status")
            Issue.record("an object is not an array")
        } catch {
            #expect(error.message.count < 200, "\(error.message.prefix(300))")
            #expect(error.value?["a"]?.arrayValue?.count == 10_000, "the value itself stays in the error")
            #expect(error.message.hasPrefix("the result does not decode as Array<StatusInfo>: expected an array, found an object of 1 member"), "\(error.message)")
        }
        do {
            _ = try decode(QueryStatus.Result.self, #"{"running": null, "status": "running"}"#)
            Issue.record("null is not a bool")
        } catch let DecodingError.typeMismatch(_, context) {
            #expect(context.debugDescription == "expected a bool, found null")
        }
    }
}
