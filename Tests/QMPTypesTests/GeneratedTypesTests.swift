import Testing
import QMPTypes

@Suite struct GeneratedTypesTests {
    @Test func queryStatusIsNamedAndTyped() {
        #expect(QueryStatus.name == "query-status")
        #expect(RunState(rawValue: "running") == .running)
    }
}
