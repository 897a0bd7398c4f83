import QMPCore
import Testing

/// Every queued event, member and array element holds `JSONValue`s: none of the
/// changes to what a value can hold (`uint`, objects as plain arrays) may grow it.
@Suite("JSON value layout")
struct JSONValueLayoutTests {
    @Test func aValueStaysSeventeenBytes() {
        #expect(MemoryLayout<JSONValue>.size == 17)
        #expect(MemoryLayout<JSONValue>.stride == 24)
        #expect(MemoryLayout<JSONObject>.size == 8, "one array reference")
        #expect(MemoryLayout<JSONObject.Member>.stride == 40)
    }
}
