import TestUtilities
import Testing

@testable import LineProtocol

@Suite struct JSONTests {
    @Test func serializesWithSortedKeysOnOneLine() {
        let value: JSON = ["b": 1, "a": ["x": "line\nbreak", "y": nil], "c": [true, false, 1.5]]
        #expect(value.serialized() == #"{"a":{"x":"line\nbreak","y":null},"b":1,"c":[true,false,1.5]}"#)
        #expect(JSON.double(3).serialized() == "3.0")
    }

    @Test func escapesControlAndSeparatorCharacters() {
        let value: JSON = .string("tab\t nul\u{0} bell\u{7} ls\u{2028} quote\" backslash\\")
        #expect(value.serialized() == #""tab\t nul\u0000 bell\u0007 ls\u2028 quote\" backslash\\""#)
    }

    @Test func parsesNestedValues() throws {
        let value = try JSON.parse(#" {"a": [1, -2, 3.25, 1e3, "s\u00e9\ud83d\ude00"], "b": {"c": null, "d": true}} "#)
        #expect(value["a"] == [1, -2, .double(3.25), .double(1000), "sé😀"])
        #expect(value["b"]["d"] == true)
        #expect(value["b"]["c"] == .null)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"unterminated", "{\"a\" 1}", "[1 2]",
        "\"\\x\"", "\"\\ud800\"", "1e999", "{} {}", "\"raw\ttab\"", "NaN",
    ])
    func rejectsMalformedJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test func rejectsDuplicateKeys() {
        #expect(throws: JSONParseError.self) { try JSON.parse(#"{"url":"a","url":"b"}"#) }
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSON.parse(deep) }
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSON.parse(ok)) != nil)
    }

    @Test func largeIntegersBecomeDoubles() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSON.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
    }

    /// Property: serialize then parse gives the same value, for random values.
    @Test func roundTripsRandomValues() throws {
        var generator = SeededRandom(seed: 42)
        for _ in 0..<500 {
            let value = randomJSON(depth: 0, &generator)
            let text = value.serialized()
            #expect(!text.contains("\n"))
            #expect(try JSON.parse(text) == value)
        }
    }

    func randomJSON(depth: Int, _ g: inout SeededRandom) -> JSON {
        let pick = depth > 3 ? g.next() % 5 : g.next() % 7
        switch pick {
        case 0: return .null
        case 1: return .bool(g.next() % 2 == 0)
        case 2: return .int(Int64(bitPattern: g.next()))
        case 3: return .string(randomString(&g))
        case 4: return .double(Double(Int64(bitPattern: g.next() % 1_000_000)) / 8)
        case 5: return .array((0..<Int(g.next() % 4)).map { _ in randomJSON(depth: depth + 1, &g) })
        default:
            var members: [String: JSON] = [:]
            for _ in 0..<Int(g.next() % 4) { members[randomString(&g)] = randomJSON(depth: depth + 1, &g) }
            return .object(members)
        }
    }

    func randomString(_ g: inout SeededRandom) -> String {
        let alphabet: [Character] = [
            "a", "Z", " ", "\"", "\\", "\n", "\t", "\u{0}", "é", "김", "😀", "\u{2028}", "'", ";",
        ]
        return String((0..<Int(g.next() % 8)).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }
}
