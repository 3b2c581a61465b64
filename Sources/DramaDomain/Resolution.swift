import LineProtocol

/// An entity reference in a derived state: key and display name.
public struct EntityRef: Sendable, Hashable {
    public var key: String
    public var name: String

    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}

/// One article's assertion of one fact, with its names already resolved to entity keys.
public struct Assertion: Sendable, Hashable {
    /// The asserting article's id.
    public var articleID: String
    /// The asserting article's url (tie-breaker for equal publication instants).
    public var url: String
    /// When the article was published.
    public var publishedAt: Timestamp
    /// The fact's position in the article.
    public var index: Int
    /// The fact as asserted.
    public var fact: Fact
    /// The resolved drama key.
    public var dramaKey: String
    /// The resolved person keys, parallel to `fact.personNames`.
    public var personKeys: [String]

    public init(
        articleID: String, url: String, publishedAt: Timestamp, index: Int, fact: Fact, dramaKey: String,
        personKeys: [String]
    ) {
        self.articleID = articleID
        self.url = url
        self.publishedAt = publishedAt
        self.index = index
        self.fact = fact
        self.dramaKey = dramaKey
        self.personKeys = personKeys
    }

    /// The total order "latest wins" is decided by: publication instant, then url, then position.
    /// It depends only on the assertion itself, so the winner never depends on ingestion order.
    var order: (Int64, String, Int) { (publishedAt.instantMillis, url, index) }

    static func later(_ a: Assertion, _ b: Assertion) -> Bool { a.order > b.order }

    /// The confidence tier (``ExtractionPolicy/tier(_:)``); supplied facts are authoritative.
    var tier: Int { ExtractionPolicy.tier(fact.confidence) }

    /// Whether `a` wins a field over `b`: the higher tier, then the later one.
    static func precedes(_ a: Assertion, _ b: Assertion) -> Bool {
        a.tier != b.tier ? a.tier > b.tier : later(a, b)
    }
}

/// A derived entity state: its key and the JSON carried in change records.
public struct DerivedState: Sendable, Hashable {
    public var key: String
    public var json: JSON

    public init(key: String, json: JSON) {
        self.key = key
        self.json = json
    }
}

/// Everything derived for one drama from the non-retracted assertions about it.
public struct ResolvedDrama: Sendable, Hashable {
    /// The drama's own state (`drama.upserted` data).
    public var drama: DerivedState
    /// OSTs, sorted by key.
    public var osts: [DerivedState]
    /// Castings, sorted by key.
    public var castings: [DerivedState]
    /// The keys of every OST and casting the assertions support, including those that
    /// `include` left out of `osts` and `castings`.
    public var allKeys: Set<String>
    /// What the drama's own state and each casting's state were resolved from (``StateFold``),
    /// to store beside them.
    public var dramaFold = StateFold()
    public var castingFolds: [String: StateFold] = [:]
    /// Folds of the titled OSTs no untitled announcement joined (only those can take one).
    public var ostFolds: [String: StateFold] = [:]
}

/// Which derived entity `Resolver.resolve` is asked about.
public enum DerivedKind: Sendable {
    case ost, casting
}

/// Fact resolution: the state of every OST and casting is a pure function of the set of
/// non-retracted assertions. Among the assertions of the highest confidence tier that give a
/// field (``ExtractionPolicy``; supplied facts are the top tier), the latest `published_at` wins
/// for status, dates and role; ties are broken by url and then by the fact's position, so any
/// ingestion order gives the same result.
public enum Resolver {
    /// Derives a drama, its OSTs and its castings.
    ///
    /// - Parameters:
    ///   - drama: the drama's key and display title.
    ///   - aliases: every spelling of the drama's title.
    ///   - assertions: all non-retracted assertions about this drama, in any order.
    ///   - personNames: display names of the people the assertions refer to, by key.
    ///   - include: whether to build the state of an OST or casting, given its key and the ids
    ///     of its supporting articles. A caller that knows an entity cannot have changed skips it;
    ///     building states is most of the cost. Everything is included by default.
    public static func resolve(
        drama: EntityRef, aliases: [String], assertions: [Assertion], personNames: [String: String],
        include: (DerivedKind, String, Set<String>) -> Bool = { _, _, _ in true }
    ) -> ResolvedDrama {
        // Sort once (highest confidence tier first, then latest first) through indices:
        // assertions are large values, and moving them around in every sort dominated
        // recomputation. Every field below takes its value from the first assertion that has
        // one, which is ExtractionPolicy's rule.
        // The tiers are read once: a tier comes from the fact's extraction, and reading it in
        // every comparison copied (retained and released) the extraction each time.
        let tiers = assertions.map(\.tier)
        let sorted = assertions.indices.sorted { a, b in
            tiers[a] != tiers[b] ? tiers[a] > tiers[b] : Assertion.later(assertions[a], assertions[b])
        }.map { assertions[$0] }
        let dramaRef: JSON = ["key": .string(drama.key), "title": .string(drama.name)]
        func person(_ key: String) -> JSON {
            ["key": .string(key), "name": .string(personNames[key] ?? key)]
        }

        // The drama itself: the latest non-null value of each field.
        let dramaFacts = sorted.compactMap { a -> DramaFact? in
            if case .drama(let f) = a.fact { return f }
            return nil
        }
        let dramaJSON: JSON = [
            "key": .string(drama.key),
            "title": .string(drama.name),
            "aliases": .array(Set(aliases).sorted().map { .string($0) }),
            "network": .string(dramaFacts.lazy.compactMap(\.network).first),
            "platforms": dramaFacts.lazy.compactMap(\.platforms).first.map { .array($0.map { .string($0) }) }
                ?? .array([]),
            "premiere": .string(dramaFacts.lazy.compactMap(\.premiere).first?.text),
            "episodes": .int(dramaFacts.lazy.compactMap(\.episodes).first),
            "sources": sourcesJSON(sorted.filter { if case .drama = $0.fact { return true } else { return false } }),
        ]

        // Castings: one per (drama, person).
        var castingGroups: [String: [Assertion]] = [:]
        for a in sorted {
            if case .casting = a.fact, let personKey = a.personKeys.first {
                castingGroups[personKey, default: []].append(a)
            }
        }
        var allKeys = Set<String>()
        var castingFolds: [String: StateFold] = [:]
        let castings = castingGroups.keys.sorted().compactMap { personKey -> DerivedState? in
            let group = castingGroups[personKey]!  // latest first
            let key = "\(drama.key)/\(personKey)"
            allKeys.insert(key)
            guard include(.casting, key, Set(group.map(\.articleID))) else { return nil }
            let facts = group.map { a -> CastingFact in
                if case .casting(let f) = a.fact { return f }
                fatalError("grouped only casting facts")
            }
            let fold = castingFold(group)
            castingFolds[key] = fold
            let history = fold.runs.map(\.entry)
            return DerivedState(
                key: key,
                json: markedUnconfirmed(
                    group,
                    [
                        "key": .string(key),
                        "drama": dramaRef,
                        "person": person(personKey),
                        "role": .string(facts.lazy.compactMap(\.role).first),
                        "role_type": .string(facts.lazy.compactMap(\.roleType).first?.rawValue),
                        "status": .string((facts.lazy.compactMap(\.status).first ?? .confirmed).rawValue),
                        "history": .array(history),
                        "sources": sourcesJSON(group),
                    ]))
        }

        var ostFolds: [String: StateFold] = [:]
        let osts = resolveOSTs(dramaKey: drama.key, assertions: sorted).compactMap { cluster -> DerivedState? in
            allKeys.insert(cluster.key)
            guard include(.ost, cluster.key, Set(cluster.members.map { sorted[$0].articleID })) else { return nil }
            // Members are indices into `sorted`, so ascending order is latest first.
            let group = cluster.members.sorted().map { sorted[$0] }
            if cluster.key.hasPrefix("\(drama.key)/song/"),
                !group.contains(where: { a in
                    if case .ost(let f) = a.fact { songKeyOf(f).isEmpty } else { false }
                })
            {
                ostFolds[cluster.key] = ostFold(group)
            }
            let facts = group.map { a -> OSTFact in
                if case .ost(let f) = a.fact { return f }
                fatalError("clustered only OST facts")
            }
            // Artist credits come from the latest assertion, in its order, as credited there.
            let latest = group[0]
            let artists: [JSON] = zip(latest.personKeys, facts[0].artists).map { key, credited in
                ["key": .string(key), "name": .string(personNames[key] ?? credited), "credited_as": .string(credited)]
            }
            let announced = group.map(\.publishedAt).min { $0.instantMillis < $1.instantMillis }
            return DerivedState(
                key: cluster.key,
                json: markedUnconfirmed(
                    group,
                    [
                        "key": .string(cluster.key),
                        "drama": dramaRef,
                        "song": .string(facts.lazy.compactMap(\.song).first),
                        "part": .int(facts.lazy.compactMap(\.part).first),
                        "artists": .array(artists),
                        "release": .string(facts.lazy.compactMap(\.release).first?.text),
                        "status": .string((facts.lazy.compactMap(\.status).first ?? .announced).rawValue),
                        "credits": facts.lazy.compactMap(\.credits).first?.json
                            ?? Credits(composer: [], lyricist: [], producer: []).json,
                        "announced_at": .string(announced?.text),
                        "sources": sourcesJSON(group),
                    ]))
        }
        return ResolvedDrama(
            drama: DerivedState(key: drama.key, json: dramaJSON), osts: osts, castings: castings, allKeys: allKeys,
            dramaFold: dramaFold(sorted), castingFolds: castingFolds, ostFolds: ostFolds)
    }

    /// `"unconfirmed": true` for a state only unconfirmed extractions support (documents show
    /// it); nothing otherwise, so states of supplied facts keep their shape.
    static func markedUnconfirmed(_ group: [Assertion], _ state: JSON) -> JSON {
        guard group.allSatisfy({ $0.fact.extraction?.unconfirmed == true }), case .object(var fields) = state else {
            return state
        }
        fields["unconfirmed"] = true
        return .object(fields)
    }

    /// Article ids supporting a state, sorted, without repeats.
    static func sourcesJSON(_ assertions: [Assertion]) -> JSON {
        let ids = Set(assertions.map(\.articleID)).sorted { ($0.count, $0) < ($1.count, $1) }
        return .array(ids.map { .string($0) })
    }

    /// A group of assertions that describe one OST, as indices into the assertions given.
    struct OSTCluster {
        var key: String
        var members: [Int]
    }

    /// Groups OST assertions into OSTs.
    ///
    /// Titled assertions are grouped by normalized song title. An untitled assertion ("X will sing
    /// an OST") joins the titled OST with the same part, or else one sharing an artist (and
    /// without a conflicting part); so an announced OST never remains as a duplicate once its
    /// title is known. Untitled assertions that match nothing are grouped with each other when
    /// their parts are equal or, lacking a part, when they share an artist. Every choice depends
    /// only on the set of assertions.
    /// The key that groups an OST assertion by title (`""`: untitled).
    static func songKeyOf(_ f: OSTFact) -> String {
        f.song.map { NameKey.normalize($0, kind: .person) } ?? ""
    }

    static func resolveOSTs(dramaKey: String, assertions: [Assertion]) -> [OSTCluster] {
        var titled: [String: [Int]] = [:]
        var untitled: [Int] = []
        for (i, a) in assertions.enumerated() {
            guard case .ost(let f) = a.fact else { continue }
            let songKey = songKeyOf(f)
            if !songKey.isEmpty {
                titled[songKey, default: []].append(i)
            } else {
                untitled.append(i)
            }
        }
        func part(_ i: Int) -> Int? {
            if case .ost(let f) = assertions[i].fact { return f.part }
            return nil
        }
        struct TitledInfo {
            var songKey: String
            var part: Int?
            var artists: Set<String>
        }
        let titledInfo: [TitledInfo] = titled.keys.sorted().map { songKey in
            let group = titled[songKey]!.sorted()  // latest first when the input is sorted that way
            let latestPart = group.lazy.compactMap(part).first
            return TitledInfo(
                songKey: songKey, part: latestPart, artists: Set(group.flatMap { assertions[$0].personKeys }))
        }

        var leftovers: [Int] = []
        for i in untitled {
            let p = part(i)
            let artists = Set(assertions[i].personKeys)
            let samePart = titledInfo.filter { p != nil && $0.part == p }
            let sharingArtist = titledInfo.filter {
                !$0.artists.isDisjoint(with: artists) && (p == nil || $0.part == nil)
            }
            let candidates = samePart.isEmpty ? sharingArtist : samePart
            if let target = candidates.min(by: { ($0.part ?? Int.max, $0.songKey) < ($1.part ?? Int.max, $1.songKey) })
            {
                titled[target.songKey]!.append(i)
            } else {
                leftovers.append(i)
            }
        }

        // Union-find over the leftovers; connected components are independent of input order.
        var parent = Array(leftovers.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        for x in leftovers.indices {
            for y in leftovers.indices where y > x {
                let (px, py) = (part(leftovers[x]), part(leftovers[y]))
                let joined: Bool
                if let px, let py {
                    joined = px == py
                } else {
                    joined = !Set(assertions[leftovers[x]].personKeys).isDisjoint(
                        with: assertions[leftovers[y]].personKeys)
                }
                if joined { parent[find(x)] = find(y) }
            }
        }
        var components: [Int: [Int]] = [:]
        for x in leftovers.indices { components[find(x), default: []].append(leftovers[x]) }

        var clusters = titled.map { songKey, members in
            OSTCluster(key: "\(dramaKey)/song/\(songKey)", members: members)
        }
        for members in components.values {
            let key: String
            if let minPart = members.compactMap(part).min() {
                key = "\(dramaKey)/part/\(minPart)"
            } else {
                key =
                    "\(dramaKey)/by/"
                    + Set(members.flatMap { assertions[$0].personKeys }).sorted().joined(separator: "+")
            }
            clusters.append(OSTCluster(key: key, members: members))
        }
        return clusters.sorted { $0.key < $1.key }
    }
}
