import LineProtocol

/// Scores extracted facts against hand-labelled ones: precision, recall and F1 per fact kind and
/// per field, with every miss and false hit listed (`dramawire eval-extract`).
///
/// Facts are paired within one article and one kind: dramas by title, castings by drama and
/// person, OSTs by drama and then the best agreement of song, part and artists (at least one
/// must agree). Names compare by ``NameKey`` (so "Kim Soo-hyun" equals "Kim Soo Hyun"), lists as
/// sets of keys, dates and enumerations as written.
public struct ExtractionEvaluation: Sendable {
    /// True positives, false positives and false negatives of one kind or field.
    public struct Counts: Sendable, Hashable {
        public var truePositives = 0
        public var falsePositives = 0
        public var falseNegatives = 0

        public init() {}

        public var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }
        public var recall: Double {
            truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
        }
        public var f1: Double {
            precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        }
    }

    /// One labelled article and what the extractor found in it.
    public struct Case: Sendable {
        public var name: String
        public var expected: [Fact]
        public var predicted: [Fact]

        public init(name: String, expected: [Fact], predicted: [Fact]) {
            self.name = name
            self.expected = expected
            self.predicted = predicted
        }
    }

    /// Counts per kind (`drama`, `ost`, `casting`).
    public private(set) var kinds: [String: Counts] = [:]
    /// Counts per field, keyed `kind.field`.
    public private(set) var fields: [String: Counts] = [:]
    /// Expected facts the extractor did not find: `article: fact`.
    public private(set) var misses: [String] = []
    /// Extracted facts that are not labelled: `article: fact`.
    public private(set) var falseHits: [String] = []
    /// Paired facts whose field disagrees: `article: kind.field expected X, got Y`.
    public private(set) var fieldErrors: [String] = []

    /// The fields scored for each kind.
    public static let scoredFields: [String: [String]] = [
        "drama": ["network", "platforms", "premiere", "episodes"],
        "ost": ["song", "part", "artists", "release", "status", "composer", "lyricist", "producer"],
        "casting": ["role", "role_type", "status"],
    ]

    /// Scores the cases.
    public init(_ cases: [Case]) {
        for c in cases { score(c) }
    }

    private mutating func score(_ c: Case) {
        for kind in ["drama", "ost", "casting"] {
            let expected = c.expected.filter { $0.kind == kind }
            var predicted = c.predicted.filter { $0.kind == kind }
            for fact in expected {
                let best = predicted.indices.map { ($0, Self.agreement(fact, predicted[$0])) }
                    .filter { $0.1 > 0 }.max { $0.1 < $1.1 }
                guard let (index, _) = best else {
                    kinds[kind, default: Counts()].falseNegatives += 1
                    misses.append("\(c.name): \(Self.describe(fact))")
                    for field in Self.scoredFields[kind]! where Self.value(fact, field) != nil {
                        fields["\(kind).\(field)", default: Counts()].falseNegatives += 1
                    }
                    continue
                }
                let match = predicted.remove(at: index)
                kinds[kind, default: Counts()].truePositives += 1
                for field in Self.scoredFields[kind]! {
                    let (e, p) = (Self.value(fact, field), Self.value(match, field))
                    var counts = fields["\(kind).\(field)", default: Counts()]
                    switch (e, p) {
                    case (nil, nil): break
                    case (nil, _?): counts.falsePositives += 1
                    case (_?, nil): counts.falseNegatives += 1
                    case (let e?, let p?) where e == p: counts.truePositives += 1
                    case (_?, _?):
                        counts.falsePositives += 1
                        counts.falseNegatives += 1
                    }
                    if e != p {
                        fieldErrors.append(
                            "\(c.name): \(Self.describe(fact)) \(kind).\(field) expected \(e ?? "–"), got \(p ?? "–")")
                    }
                    fields["\(kind).\(field)"] = counts
                }
            }
            for fact in predicted {
                kinds[kind, default: Counts()].falsePositives += 1
                let evidence = fact.extraction.map { " «\($0.evidence.text.prefix(120))»" } ?? ""
                falseHits.append("\(c.name): \(Self.describe(fact))\(evidence)")
                for field in Self.scoredFields[kind]! where Self.value(fact, field) != nil {
                    fields["\(kind).\(field)", default: Counts()].falsePositives += 1
                }
            }
        }
    }

    /// How well two facts of one kind describe the same thing; 0 when they do not.
    static func agreement(_ a: Fact, _ b: Fact) -> Int {
        func same(_ x: String, _ y: String, _ kind: EntityKind) -> Bool {
            NameKey.normalize(x, kind: kind) == NameKey.normalize(y, kind: kind)
        }
        switch (a, b) {
        case (.drama(let x), .drama(let y)):
            return same(x.title, y.title, .drama) ? 1 : 0
        case (.casting(let x), .casting(let y)):
            return same(x.drama, y.drama, .drama) && same(x.person, y.person, .person) ? 1 : 0
        case (.ost(let x), .ost(let y)):
            guard same(x.drama, y.drama, .drama) else { return 0 }
            var score = 0
            if let s = x.song, let t = y.song, same(s, t, .person) { score += 4 }
            if let p = x.part, p == y.part { score += 2 }
            let ax = Set(x.artists.map { NameKey.normalize($0, kind: .person) })
            if !ax.isDisjoint(with: y.artists.map { NameKey.normalize($0, kind: .person) }) { score += 1 }
            return score
        default:
            return 0
        }
    }

    /// A field's comparable value, or nil when the fact does not give it.
    static func value(_ fact: Fact, _ field: String) -> String? {
        func names(_ list: [String]?) -> String? {
            guard let list, !list.isEmpty else { return nil }
            return Set(list.map { NameKey.normalize($0, kind: .person) }).sorted().joined(separator: "+")
        }
        func name(_ text: String?) -> String? { text.map { NameKey.normalize($0, kind: .person) } }
        switch (fact, field) {
        case (.drama(let f), "network"): return name(f.network)
        case (.drama(let f), "platforms"): return names(f.platforms)
        case (.drama(let f), "premiere"): return f.premiere?.text
        case (.drama(let f), "episodes"): return f.episodes.map(String.init)
        case (.ost(let f), "song"): return name(f.song)
        case (.ost(let f), "part"): return f.part.map(String.init)
        case (.ost(let f), "artists"): return names(f.artists)
        case (.ost(let f), "release"): return f.release?.text
        case (.ost(let f), "status"): return f.status?.rawValue
        case (.ost(let f), "composer"): return names(f.credits?.composer)
        case (.ost(let f), "lyricist"): return names(f.credits?.lyricist)
        case (.ost(let f), "producer"): return names(f.credits?.producer)
        case (.casting(let f), "role"): return name(f.role)
        case (.casting(let f), "role_type"): return f.roleType?.rawValue
        case (.casting(let f), "status"): return f.status?.rawValue
        default: return nil
        }
    }

    /// A short human description of a fact.
    public static func describe(_ fact: Fact) -> String {
        switch fact {
        case .drama(let f): return "drama \(f.title)"
        case .ost(let f):
            return
                "ost \(f.drama) / \(f.song ?? "?") part \(f.part.map(String.init) ?? "?") by \(f.artists.joined(separator: ", "))"
        case .casting(let f): return "casting \(f.drama) / \(f.person) (\(f.status?.rawValue ?? "no status"))"
        }
    }

    /// Totals over every kind.
    public var overall: Counts {
        kinds.values.reduce(into: Counts()) {
            $0.truePositives += $1.truePositives
            $0.falsePositives += $1.falsePositives
            $0.falseNegatives += $1.falseNegatives
        }
    }
}
