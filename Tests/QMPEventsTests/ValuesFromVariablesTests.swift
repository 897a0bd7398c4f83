import QMPCore
import QMPEvents
import Testing

/// Values held in variables, into JSON and predicates, as a VM manager writes them: found by
/// trying the API as a user (`JSONValue(size)` with an `Int` did not compile; a predicate
/// on a job id held in a `String` needed `.string(id)`).
@Suite("Values from variables")
struct ValuesFromVariablesTests {
    @Test func jsonValuesFromVariables() {
        let size = 64 << 20
        let name = "node0"
        let readOnly = true
        let ratio = 0.5
        let offset: Int64 = -1
        let arguments: JSONObject = ["size": JSONValue(size), "node-name": JSONValue(name), "read-only": JSONValue(readOnly),
                                     "ratio": JSONValue(ratio), "offset": JSONValue(offset)]
        #expect(arguments == ["size": 67_108_864, "node-name": "node0", "read-only": true, "ratio": 0.5, "offset": -1])
        #expect(JSONValue(UInt64.max) == .uint(.max), "the unsigned initialiser stays exact")
    }

    @Test func dataMemberEqualsTakesStringsAndIntegers() {
        let job = "job1"
        let event = Event(name: "JOB_STATUS_CHANGE", data: ["id": "job1", "n": 3])
        #expect(DataMemberEquals("id", job).accepts(event))
        #expect(!DataMemberEquals("id", "job2").accepts(event))
        let count = 3
        #expect(DataMemberEquals("n", count).accepts(event))
        #expect(!DataMemberEquals("n", "3").accepts(event), "a string never equals an integer")
    }
}
