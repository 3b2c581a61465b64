import LineProtocol

/// An assertion's place in the two orders resolution uses: precedence (confidence tier, then
/// latest first) for fields, publication order for a status history.
public struct AssertionRank: Sendable, Hashable {
    public var tier: Int
    public var millis: Int64
    public var url: String
    public var index: Int

    init(_ a: Assertion) {
        tier = a.tier
        millis = a.publishedAt.instantMillis
        url = a.url
        index = a.index
    }

    init(tier: Int, millis: Int64, url: String, index: Int) {
        self.tier = tier
        self.millis = millis
        self.url = url
        self.index = index
    }

    /// Whether a field from `self` wins over one from `other` (``Assertion/precedes(_:_:)``).
    func precedes(_ other: AssertionRank) -> Bool {
        tier != other.tier ? tier > other.tier : isLater(than: other)
    }

    /// Publication order (``Assertion/later(_:_:)``).
    func isLater(than other: AssertionRank) -> Bool {
        (millis, url, index) > (other.millis, other.url, other.index)
    }

    var json: JSON { [.int(Int64(tier)), .int(millis), .string(url), .int(Int64(index))] }

    init?(_ json: JSON) {
        guard let a = json.arrayValue, a.count == 4, let tier = a[0].intValue, let millis = a[1].intValue,
            let url = a[2].stringValue, let index = a[3].intValue
        else { return nil }
        self.init(tier: Int(tier), millis: millis, url: url, index: Int(index))
    }
}

/// What a stored drama or casting state was resolved from, beyond the state itself: for each
/// field the rank of the assertion that gave it, and a casting's status history with the first
/// and last report of each entry. Kept beside the state, it lets assertions that only add to the
/// set (new articles) be folded into the state without reading the assertions already there:
/// a field changes only if a new assertion outranks its winner, a history entry only if a new
/// report lands next to it. The result equals resolving the whole set again (the property
/// tests check it); a report that lands inside an entry with another status would split it,
/// which needs the entry's other reports, so there ``Resolver/foldCasting`` gives up and the
/// caller resolves from every assertion.
public struct StateFold: Sendable, Hashable {
    /// Per field, the rank of the assertion whose value the state shows.
    public var winners: [String: AssertionRank] = [:]
    /// A casting's status history, in publication order.
    public var runs: [Run] = []
    /// Whether every assertion is an unconfirmed extraction (a casting's `unconfirmed`).
    public var allUnconfirmed = true
    /// An OST's artists (person key, as credited), from its top assertion.
    public var artists: [Artist] = []

    /// A credited artist: person key, and the name as credited.
    public struct Artist: Sendable, Hashable {
        public var key: String
        public var credited: String
    }

    /// One status history entry: consecutive reports of one status.
    public struct Run: Sendable, Hashable {
        public var status: String
        public var first: AssertionRank
        public var last: AssertionRank
        /// The first report's article and date, as the entry shows them.
        public var article: String
        public var asOf: String
        public var unconfirmed: Bool

        var entry: JSON {
            var entry: [String: JSON] = [
                "status": .string(status), "as_of": .string(asOf), "article": .string(article),
            ]
            if unconfirmed { entry["unconfirmed"] = true }
            return .object(entry)
        }
    }

    public init() {}

    /// The stored form (compact JSON text).
    public var text: String {
        JSON.object([
            "w": .object(winners.mapValues(\.json)),
            "r": .array(
                runs.map {
                    [
                        .string($0.status), $0.first.json, $0.last.json, .string($0.article), .string($0.asOf),
                        .bool($0.unconfirmed),
                    ]
                }),
            "u": .bool(allUnconfirmed),
            "a": .array(artists.map { [.string($0.key), .string($0.credited)] }),
        ]).serialized()
    }

    /// Parses ``text``; nil for anything else (the caller then resolves from every assertion).
    public init?(text: String) {
        guard let json = try? JSON.parse(text), let w = json["w"].objectValue, let r = json["r"].arrayValue,
            let u = json["u"].boolValue
        else { return nil }
        for (field, rank) in w {
            guard let rank = AssertionRank(rank) else { return nil }
            winners[field] = rank
        }
        for run in r {
            guard let p = run.arrayValue, p.count == 6, let status = p[0].stringValue, let first = AssertionRank(p[1]),
                let last = AssertionRank(p[2]), let article = p[3].stringValue, let asOf = p[4].stringValue,
                let unconfirmed = p[5].boolValue
            else { return nil }
            runs.append(
                Run(status: status, first: first, last: last, article: article, asOf: asOf, unconfirmed: unconfirmed))
        }
        allUnconfirmed = u
        for artist in json["a"].arrayValue ?? [] {
            guard let pair = artist.arrayValue, pair.count == 2, let key = pair[0].stringValue,
                let credited = pair[1].stringValue
            else { return nil }
            artists.append(Artist(key: key, credited: credited))
        }
    }
}

extension Resolver {
    /// The fold of a drama's own state: the winners of its fields among `assertions` (any kind;
    /// only drama facts count).
    public static func dramaFold(_ assertions: [Assertion]) -> StateFold {
        var fold = StateFold()
        for a in assertions {
            if case .drama = a.fact { fold.take(a) }
        }
        return fold
    }

    /// The fold of a casting's state from all its assertions, its status history included: the
    /// casting's status changes in publication order. Consecutive reports of one status are one
    /// entry, dated by the first of them (`as_of`, `article`), and marked unconfirmed only if
    /// every one of them is; a different status in between starts a new entry, so conflicting
    /// reports are all kept. Without the folding, a casting reported "confirmed" by every article
    /// about its drama carried one entry per article in each of its records and documents,
    /// growing for as long as the drama was in the news.
    public static func castingFold(_ group: [Assertion]) -> StateFold {
        var fold = StateFold()
        for a in group { fold.take(a) }
        fold.allUnconfirmed = group.allSatisfy { $0.fact.extraction?.unconfirmed == true }
        for i in group.indices.sorted(by: { Assertion.later(group[$1], group[$0]) }) {
            let a = group[i]
            guard case .casting(let f) = a.fact, let status = f.status else { continue }
            let rank = AssertionRank(a)
            let unconfirmed = f.extraction?.unconfirmed == true
            if let last = fold.runs.last, last.status == status.rawValue {
                fold.runs[fold.runs.count - 1].last = rank
                fold.runs[fold.runs.count - 1].unconfirmed = last.unconfirmed && unconfirmed
            } else {
                fold.runs.append(
                    StateFold.Run(
                        status: status.rawValue, first: rank, last: rank, article: a.articleID,
                        asOf: a.publishedAt.text, unconfirmed: unconfirmed))
            }
        }
        return fold
    }

    /// A drama's own state with `adding` (assertions not in what `state` was resolved from)
    /// folded in, under its current title and aliases.
    public static func foldDrama(
        state: JSON, fold: StateFold, adding: [Assertion], title: String, aliases: [String]
    ) -> (state: JSON, fold: StateFold) {
        var fold = fold
        var fields = state.objectValue ?? [:]
        var sources = Set((state["sources"].arrayValue ?? []).compactMap(\.stringValue))
        for a in adding {
            guard case .drama = a.fact else { continue }
            sources.insert(a.articleID)
            fields.merge(fold.take(a)) { $1 }
        }
        fields["title"] = .string(title)
        fields["aliases"] = .array(Set(aliases).sorted().map { .string($0) })
        fields["sources"] = sortedSources(sources)
        return (.object(fields), fold)
    }

    /// A casting's state with `adding` folded in, under the current drama and person
    /// references; nil when a new report lands inside a history entry of another status (the
    /// caller resolves from every assertion instead).
    public static func foldCasting(
        state: JSON, fold: StateFold, adding: [Assertion], drama: JSON, person: JSON
    ) -> (state: JSON, fold: StateFold)? {
        var fold = fold
        var fields = state.objectValue ?? [:]
        var sources = Set((state["sources"].arrayValue ?? []).compactMap(\.stringValue))
        // In publication order, so a batch's reports of one casting extend entries in turn.
        for i in adding.indices.sorted(by: { Assertion.later(adding[$1], adding[$0]) }) {
            let a = adding[i]
            guard case .casting(let f) = a.fact else { continue }
            sources.insert(a.articleID)
            let unconfirmed = f.extraction?.unconfirmed == true
            fold.allUnconfirmed = fold.allUnconfirmed && unconfirmed
            let rank = AssertionRank(a)
            fields.merge(fold.take(a)) { $1 }
            guard let status = f.status?.rawValue else { continue }
            let newRun = StateFold.Run(
                status: status, first: rank, last: rank, article: a.articleID, asOf: a.publishedAt.text,
                unconfirmed: unconfirmed)
            // The last entry that begins before this report.
            guard let i = fold.runs.lastIndex(where: { rank.isLater(than: $0.first) }) else {
                if fold.runs.first?.status == status {
                    fold.runs[0].first = rank
                    fold.runs[0].article = a.articleID
                    fold.runs[0].asOf = a.publishedAt.text
                    fold.runs[0].unconfirmed = fold.runs[0].unconfirmed && unconfirmed
                } else {
                    fold.runs.insert(newRun, at: 0)
                }
                continue
            }
            if fold.runs[i].status == status {
                if rank.isLater(than: fold.runs[i].last) { fold.runs[i].last = rank }
                fold.runs[i].unconfirmed = fold.runs[i].unconfirmed && unconfirmed
            } else if !rank.isLater(than: fold.runs[i].last) {
                return nil  // inside an entry of another status: it splits
            } else if i + 1 < fold.runs.count && fold.runs[i + 1].status == status {
                fold.runs[i + 1].first = rank
                fold.runs[i + 1].article = a.articleID
                fold.runs[i + 1].asOf = a.publishedAt.text
                fold.runs[i + 1].unconfirmed = fold.runs[i + 1].unconfirmed && unconfirmed
            } else {
                fold.runs.insert(newRun, at: i + 1)
            }
        }
        fields["drama"] = drama
        fields["person"] = person
        if fields["status"] == nil || fields["status"] == .null { fields["status"] = "confirmed" }
        fields["history"] = .array(fold.runs.map(\.entry))
        fields["sources"] = sortedSources(sources)
        if fold.allUnconfirmed { fields["unconfirmed"] = true } else { fields["unconfirmed"] = nil }
        return (.object(fields), fold)
    }

    /// Article ids in the order states list them (``sourcesJSON(_:)``).
    static func sortedSources(_ ids: Set<String>) -> JSON {
        .array(ids.sorted { ($0.count, $0) < ($1.count, $1) }.map { .string($0) })
    }
}

extension StateFold {
    /// The fields a fact gives, with their values as states show them (``Resolver``).
    static func fieldValues(_ fact: Fact) -> [(String, JSON?)] {
        switch fact {
        case .drama(let f):
            [
                ("network", f.network.map { .string($0) }),
                ("platforms", f.platforms.map { .array($0.map { .string($0) }) }),
                ("premiere", f.premiere.map { .string($0.text) }), ("episodes", f.episodes.map { .int(Int64($0)) }),
            ]
        case .casting(let f):
            [
                ("role", f.role.map { .string($0) }), ("role_type", f.roleType.map { .string($0.rawValue) }),
                ("status", f.status.map { .string($0.rawValue) }),
            ]
        case .ost(let f):
            [
                ("song", f.song.map { .string($0) }), ("part", f.part.map { .int(Int64($0)) }),
                ("release", f.release.map { .string($0.text) }), ("status", f.status.map { .string($0.rawValue) }),
                ("credits", f.credits.map(\.json)),
            ]
        }
    }

    /// Takes `a` into the winners of the fields it gives; returns those it now wins, with
    /// their values.
    @discardableResult
    mutating func take(_ a: Assertion) -> [String: JSON] {
        let rank = AssertionRank(a)
        var won: [String: JSON] = [:]
        for case (let field, let value?) in Self.fieldValues(a.fact)
        where winners[field].map({ rank.precedes($0) }) ?? true {
            winners[field] = rank
            won[field] = value
        }
        return won
    }
}

extension Resolver {
    /// The fold of a titled OST's state from all its assertions (a cluster no untitled
    /// announcement joined): its fields' winners, the top assertion (whose artists it shows) with
    /// those artists, and the first announcement.
    public static func ostFold(_ group: [Assertion]) -> StateFold {
        var fold = StateFold()
        for a in group { fold.takeOST(a) }
        fold.allUnconfirmed = group.allSatisfy { $0.fact.extraction?.unconfirmed == true }
        return fold
    }

    /// A titled OST's state with `adding` folded in (valid only while no untitled announcement
    /// joins the OST), under the current drama reference and people's names.
    public static func foldOST(
        state: JSON, fold: StateFold, adding: [Assertion], drama: JSON, personNames: [String: String]
    ) -> (state: JSON, fold: StateFold) {
        var fold = fold
        var fields = state.objectValue ?? [:]
        var sources = Set((state["sources"].arrayValue ?? []).compactMap(\.stringValue))
        for a in adding {
            guard case .ost(let f) = a.fact else { continue }
            sources.insert(a.articleID)
            fold.allUnconfirmed = fold.allUnconfirmed && f.extraction?.unconfirmed == true
            let (won, announced) = fold.takeOST(a)
            fields.merge(won) { $1 }
            if announced { fields["announced_at"] = .string(a.publishedAt.text) }
        }
        fields["drama"] = drama
        fields["artists"] = .array(
            fold.artists.map {
                [
                    "key": .string($0.key), "name": .string(personNames[$0.key] ?? $0.credited),
                    "credited_as": .string($0.credited),
                ]
            })
        fields["sources"] = sortedSources(sources)
        if fold.allUnconfirmed { fields["unconfirmed"] = true } else { fields["unconfirmed"] = nil }
        return (.object(fields), fold)
    }
}

extension StateFold {
    /// Takes `a` into an OST's winners: its fields, the top assertion (whose artists the OST
    /// shows) and the first announcement. Returns the fields it now wins with their values, and
    /// whether it is the first announcement now.
    @discardableResult
    mutating func takeOST(_ a: Assertion) -> (won: [String: JSON], announced: Bool) {
        guard case .ost(let f) = a.fact else { return ([:], false) }
        let rank = AssertionRank(a)
        let won = take(a)
        // The artists are the top assertion's, as credited there.
        if winners["top"].map({ rank.precedes($0) }) ?? true {
            winners["top"] = rank
            artists = zip(a.personKeys, f.artists).map { Artist(key: $0, credited: $1) }
        }
        // The first announcement: the earliest instant, and of equal instants the first in
        // precedence order (as the resolver's `min` finds it).
        let announced =
            winners["announced"].map { rank.millis < $0.millis || (rank.millis == $0.millis && rank.precedes($0)) }
            ?? true
        if announced { winners["announced"] = rank }
        return (won, announced)
    }
}
