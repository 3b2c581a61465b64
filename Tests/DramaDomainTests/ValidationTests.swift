import LineProtocol
import Testing

@testable import DramaDomain

@Suite struct ValidationTests {
    static let valid = #"""
        {"url":"https://news.example/qot-ost","source":"Example News","published_at":"2024-04-19T09:30:00+09:00",
         "headline":"Kim Soo-hyun sings for Queen of Tears","body":"Text.",
         "facts":[
          {"kind":"drama","title":"Queen of Tears","network":"tvN","platforms":["Netflix"],"premiere":"2024-03-09","episodes":16},
          {"kind":"ost","drama":"Queen of Tears","song":null,"part":null,"artists":["Kim Soo-hyun"],"status":"announced"},
          {"kind":"casting","drama":"Queen of Tears","person":"Kim Soo-hyun","role":"Baek Hyun-woo","role_type":"lead","status":"confirmed"}
         ]}
        """#

    func item(_ text: String) throws -> NewsItem {
        try NewsItem.validate(try JSON.parse(text))
    }

    func mutated(_ change: (inout [String: JSON]) -> Void) throws -> JSON {
        var object = try JSON.parse(Self.valid).objectValue!
        change(&object)
        return .object(object)
    }

    @Test func acceptsTheContractExample() throws {
        let news = try item(Self.valid)
        #expect(news.url == "https://news.example/qot-ost")
        #expect(news.facts.count == 3)
        guard case .ost(let ost) = news.facts[1] else {
            Issue.record("expected an OST")
            return
        }
        #expect(ost.song == nil && ost.part == nil && ost.artists == ["Kim Soo-hyun"] && ost.status == .announced)
        guard case .casting(let casting) = news.facts[2] else {
            Issue.record("expected a casting")
            return
        }
        #expect(casting.roleType == .lead && casting.status == .confirmed && casting.role == "Baek Hyun-woo")
    }

    /// Each case: a mutation of the valid item, and the field path the error must name.
    static let invalidCases: [(String, @Sendable (inout [String: JSON]) -> Void, String)] = [
        ("missing url", { $0["url"] = nil }, "url: is required"),
        ("relative url", { $0["url"] = "/news/1" }, "url:"),
        ("ftp url", { $0["url"] = "ftp://x.example/a" }, "url:"),
        ("url with space", { $0["url"] = "https://x.example/a b" }, "url:"),
        ("url not a string", { $0["url"] = 5 }, "url: expected a string"),
        ("missing published_at", { $0["published_at"] = nil }, "published_at: is required"),
        ("impossible date", { $0["published_at"] = "2014-02-29T10:00:00+09:00" }, "published_at:"),
        ("date without time", { $0["published_at"] = "2024-04-19" }, "published_at:"),
        ("facts not array", { $0["facts"] = "none" }, "facts: expected an array"),
        ("fact not object", { $0["facts"] = [1] }, "facts[0]: expected an object"),
        ("unknown kind", { $0["facts"] = [["kind": "award"]] }, "facts[0].kind:"),
        ("ost without artists", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": []]] }, "facts[0].artists:"),
        ("ost without drama", { $0["facts"] = [["kind": "ost", "artists": ["A"]]] }, "facts[0].drama: is required"),
        (
            "part zero", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "part": 0]] },
            "facts[0].part:"
        ),
        (
            "part 1000", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "part": 1000]] },
            "facts[0].part:"
        ),
        (
            "part fraction", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "part": .double(2.5)]] },
            "facts[0].part:"
        ),
        (
            "part string", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "part": "3"]] },
            "facts[0].part:"
        ),
        (
            "bad ost status", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "status": "leaked"]] },
            "facts[0].status:"
        ),
        (
            "bad release",
            { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "release": "2023-02-29"]] },
            "facts[0].release:"
        ),
        (
            "casting without person", { $0["facts"] = [["kind": "casting", "drama": "X"]] },
            "facts[0].person: is required"
        ),
        (
            "blank person", { $0["facts"] = [["kind": "casting", "drama": "X", "person": "   "]] },
            "facts[0].person: must not be empty"
        ),
        (
            "bad casting status",
            { $0["facts"] = [["kind": "casting", "drama": "X", "person": "P", "status": "maybe"]] }, "facts[0].status:"
        ),
        (
            "bad role_type",
            { $0["facts"] = [["kind": "casting", "drama": "X", "person": "P", "role_type": "villain"]] },
            "facts[0].role_type:"
        ),
        (
            "control character", { $0["facts"] = [["kind": "casting", "drama": "X", "person": "Kim\u{1B}[31m"]] },
            "facts[0].person: contains control"
        ),
        (
            "bidi override", { $0["facts"] = [["kind": "casting", "drama": "X\u{202E}", "person": "P"]] },
            "facts[0].drama: contains control"
        ),
        (
            "name too long",
            {
                $0["facts"] = [
                    ["kind": "casting", "drama": .string(String(repeating: "a", count: 301)), "person": "P"]
                ]
            }, "facts[0].drama: longer than 300"
        ),
        (
            "artist not string", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A", 2]]] },
            "facts[0].artists[1]:"
        ),
        (
            "too many facts", { $0["facts"] = .array(Array(repeating: ["kind": "drama", "title": "X"], count: 1001)) },
            "facts: at most 1000"
        ),
        (
            "credits not object", { $0["facts"] = [["kind": "ost", "drama": "X", "artists": ["A"], "credits": []]] },
            "facts[0].credits:"
        ),
        (
            "episodes negative", { $0["facts"] = [["kind": "drama", "title": "X", "episodes": -1]] },
            "facts[0].episodes:"
        ),
        ("headline control", { $0["headline"] = "a\u{7}b" }, "headline: contains control"),
        (
            "name without letters", { $0["facts"] = [["kind": "casting", "drama": "X", "person": "!!!"]] },
            "facts[0].person: has no letters"
        ),
    ]

    @Test(arguments: invalidCases.indices)
    func rejectsWithTheFieldPath(_ index: Int) throws {
        let (label, change, expected) = Self.invalidCases[index]
        let json = try mutated(change)
        do {
            _ = try NewsItem.validate(json)
            Issue.record("\(label): expected ERR invalid")
        } catch {
            #expect(error.code == .invalid, "\(label)")
            #expect(error.message.hasPrefix(expected), "\(label): \(error.message)")
        }
    }

    @Test func nonObjectItemIsInvalid() {
        #expect(throws: WireError.self) { try NewsItem.validate(["a"]) }
    }

    @Test func unknownFieldsAreIgnoredAndQuotesKeptVerbatim() throws {
        let json = try mutated {
            $0["something_new"] = ["x": 1]
            $0["headline"] = #"Robert'); DROP TABLE articles;-- "quoted" 'single' *fts* NEAR(a b)"#
        }
        let news = try NewsItem.validate(json)
        #expect(news.headline == #"Robert'); DROP TABLE articles;-- "quoted" 'single' *fts* NEAR(a b)"#)
    }

    @Test func canonicalContentIgnoresKeyOrderButNotValues() throws {
        let a = try item(Self.valid)
        let reordered = try NewsItem.validate(try mutated { _ in })
        #expect(a.canonicalContent == reordered.canonicalContent)
        let changed = try NewsItem.validate(try mutated { $0["headline"] = "Other" })
        #expect(a.canonicalContent != changed.canonicalContent)
    }
}
