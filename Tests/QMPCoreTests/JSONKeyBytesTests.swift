import QMPCore
import Testing

/// Keys and strings compare by their UTF-8 bytes, as QEMU and Python compare them, not by
/// Swift's Unicode canonical equivalence (under which U+212B ANGSTROM SIGN, U+00C5 and
/// "A" + U+030A are one string).
@Suite("Object keys compare byte for byte")
struct JSONKeyBytesTests {
    static let angstromSign = "\u{212B}"
    static let aWithRing = "A\u{30A}"
    static let precomposedE = "\u{E9}"
    static let combiningE = "e\u{301}"

    @Test func canonicallyEquivalentKeysAreTwoMembers() throws {
        // The keys arrive as raw UTF-8 and as escapes; either way they are two members.
        for text in [#"{"\#(Self.angstromSign)":1,"\#(Self.aWithRing)":2}"#, #"{"\u212B":1,"A\u030A":2}"#] {
            let object = try #require(try JSONValue(parsing: text).objectValue)
            #expect(object.count == 2)
            #expect(object.keys == [Self.angstromSign, Self.aWithRing])
            #expect(object[Self.angstromSign] == 1 && object[Self.aWithRing] == 2)
            #expect(object["\u{C5}"] == nil, "a third spelling is a third key")
            #expect(JSONValue.object(object).serialized() == #"{"\u212b":1,"A\u030a":2}"#)
        }
    }

    @Test(arguments: [15, 16, 17, 40])
    func largeObjectsKeepSuchKeysApartToo(_ otherMembers: Int) throws {
        // Past 16 members the parser looks keys up in a dictionary instead of scanning.
        let others = (0..<otherMembers).map { #""k\#($0)": \#($0)"# }
        let text = "{" + (others + [#""\#(Self.precomposedE)": "a""#, #""\#(Self.combiningE)": "b""#,
                                    #""\#(Self.angstromSign)": "c""#, #""\#(Self.aWithRing)": "d""#,
                                    #""\#(Self.precomposedE)": "e""#]).joined(separator: ", ") + "}"
        let object = try #require(try JSONValue(parsing: text).objectValue)
        #expect(object.count == otherMembers + 4)
        #expect(object[Self.precomposedE] == "e", "a true repeat still keeps the last value")
        #expect(object[Self.combiningE] == "b" && object[Self.angstromSign] == "c" && object[Self.aWithRing] == "d")
    }

    @Test func equalityIsReflexiveAndAgreesWithHashing() throws {
        let value = try JSONValue(parsing: #"{"\#(Self.precomposedE)":1,"\#(Self.combiningE)":2}"#)
        #expect(value.objectValue?.count == 2)
        #expect(value == value)
        let reparsed = try JSONValue(parsing: value.serialized())
        #expect(reparsed == value && reparsed.hashValue == value.hashValue)
        #expect(Set([value, reparsed]).count == 1)
        // Swapping the values is a different object, although Swift calls the keys equal.
        let swapped = try JSONValue(parsing: #"{"\#(Self.precomposedE)":2,"\#(Self.combiningE)":1}"#)
        #expect(swapped != value)
        #expect(Set([value, swapped]).count == 2)
    }

    @Test func stringValuesCompareByBytesToo() {
        let precomposed = JSONValue.string(Self.precomposedE)
        let combining = JSONValue.string(Self.combiningE)
        #expect(precomposed != combining)
        #expect(precomposed == .string("\u{E9}"))
        #expect(Set([precomposed, combining, .string("\u{E9}")]).count == 2)
        #expect(JSONValue.array([precomposed]) != .array([combining]))
    }

    @Test func objectsBuiltInCodeKeepThemApart() {
        var object: JSONObject = [Self.angstromSign: 1]
        object[Self.aWithRing] = 2
        #expect(object.count == 2)
        object[Self.aWithRing] = nil
        #expect(object.keys == [Self.angstromSign])
        #expect(object.removeValue(forKey: "\u{C5}") == nil)
        let pairs: [(String, JSONValue)] = [(Self.precomposedE, 1), (Self.combiningE, 2), (Self.precomposedE, 3)]
        let fromPairs = JSONObject(pairs)
        #expect(fromPairs.keys == [Self.precomposedE, Self.combiningE])
        #expect(fromPairs[Self.precomposedE] == 3)
        #expect(JSONObject.Member(key: Self.precomposedE, value: 1) != JSONObject.Member(key: Self.combiningE, value: 1))
    }
}
