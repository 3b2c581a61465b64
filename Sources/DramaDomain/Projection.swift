import LineProtocol

/// Builds the subscriber's read-model documents from entity states, as carried by change records.
///
/// Pure functions: the inputs are the latest `data` of each record type (see docs/PROTOCOL.md,
/// "Change record data"), the output is the document. Names of referenced people and dramas are
/// taken from their *current* state, not from the name embedded when the OST or casting was last
/// written, so a rename shows everywhere without the ingest side re-sending every reference.
/// Every array is sorted by a total order, so a document is a function of the state alone: a
/// read model that followed live and one rebuilt from seq 0 serialize to the same bytes.
public enum Projection {
    /// At most this many `news[]` entries per document: the newest.
    public static let newsLimit = 50

    /// The entity states a document refers to, keyed by entity key.
    public struct Context: Sendable {
        public var people: [String: JSON]
        public var dramas: [String: JSON]

        public init(people: [String: JSON] = [:], dramas: [String: JSON] = [:]) {
            self.people = people
            self.dramas = dramas
        }

        /// `{key, name}` of a referenced person, the name taken from its current state.
        public func personRef(_ ref: JSON) -> JSON {
            let key = ref["key"].stringValue ?? ""
            return ["key": .string(key), "name": people[key]?["name"] ?? ref["name"]]
        }

        /// `{key, title}` of a referenced drama, the title taken from its current state.
        public func dramaRef(_ ref: JSON) -> JSON {
            let key = ref["key"].stringValue ?? ""
            return ["key": .string(key), "title": dramas[key]?["title"] ?? ref["title"]]
        }
    }

    /// Rank of a role type in a cast list: leads first, unknown last.
    public static func roleRank(_ roleType: JSON) -> Int {
        switch roleType.stringValue {
        case "lead": 0
        case "supporting": 1
        case "cameo": 2
        case "special": 3
        default: 4
        }
    }

    /// The instant of an RFC 3339 value for ordering; unknown sorts last.
    static func instant(_ value: JSON) -> Int64 {
        value.stringValue.flatMap { Timestamp($0, allowDateOnly: true)?.instantMillis } ?? Int64.max
    }

    /// A cast entry of a drama document (also the item `CASTING` returns, with `drama` added).
    public static func castEntry(_ casting: JSON, context: Context) -> JSON {
        withUnconfirmedMark(
            [
                "key": casting["key"], "person": context.personRef(casting["person"]), "role": casting["role"],
                "role_type": casting["role_type"], "status": casting["status"], "history": casting["history"],
                "sources": casting["sources"],
            ], from: casting)
    }

    /// Copies the state's `unconfirmed` mark (only ever `true`) into a document entry.
    static func withUnconfirmedMark(_ entry: [String: JSON], from state: JSON) -> JSON {
        var entry = entry
        if state["unconfirmed"] == true { entry["unconfirmed"] = true }
        return .object(entry)
    }

    /// An OST entry of a drama document (also the item `OSTS` returns, with `drama` added).
    public static func ostEntry(_ ost: JSON, context: Context) -> JSON {
        let artists: [JSON] = (ost["artists"].arrayValue ?? []).map { artist in
            var ref = context.personRef(artist).objectValue ?? [:]
            ref["credited_as"] = artist["credited_as"]
            return .object(ref)
        }
        return withUnconfirmedMark(
            [
                "key": ost["key"], "song": ost["song"], "part": ost["part"], "artists": .array(artists),
                "release": ost["release"], "status": ost["status"], "credits": ost["credits"],
                "announced_at": ost["announced_at"], "sources": ost["sources"],
            ], from: ost)
    }

    /// The item `CASTING` returns: the cast entry plus its drama.
    public static func castingItem(_ casting: JSON, context: Context) -> JSON {
        var entry = castEntry(casting, context: context).objectValue ?? [:]
        entry["drama"] = context.dramaRef(casting["drama"])
        return .object(entry)
    }

    /// The item `OSTS` returns: the OST entry plus its drama.
    public static func ostItem(_ ost: JSON, context: Context) -> JSON {
        var entry = ostEntry(ost, context: context).objectValue ?? [:]
        entry["drama"] = context.dramaRef(ost["drama"])
        return .object(entry)
    }

    /// Sorts cast entries by role type (lead, supporting, cameo, special, unknown), then name, then key.
    public static func sortCast(_ entries: [JSON]) -> [JSON] {
        entries.sorted { a, b in
            let ra = roleRank(a["role_type"])
            let rb = roleRank(b["role_type"])
            if ra != rb { return ra < rb }
            let na = a["person"]["name"].stringValue ?? ""
            let nb = b["person"]["name"].stringValue ?? ""
            if na != nb { return na < nb }
            return (a["key"].stringValue ?? "") < (b["key"].stringValue ?? "")
        }
    }

    /// Sorts OST entries by part (unknown last), then release (unknown last), then key.
    public static func sortOSTs(_ entries: [JSON]) -> [JSON] {
        entries.sorted(by: partThenRelease)
    }

    /// Part (unknown last), then release instant (unknown last), then key.
    static func partThenRelease(_ a: JSON, _ b: JSON) -> Bool {
        let pa = a["part"].intValue ?? Int64.max
        let pb = b["part"].intValue ?? Int64.max
        if pa != pb { return pa < pb }
        let ia = instant(a["release"])
        let ib = instant(b["release"])
        if ia != ib { return ia < ib }
        return (a["key"].stringValue ?? "") < (b["key"].stringValue ?? "")
    }

    /// The document of a drama: its state, its cast and its OSTs with current names, and its news.
    ///
    /// `news` are the newest entries (`{article, headline, source, published_at, url}`) of the
    /// non-retracted articles supporting the drama, its OSTs or its cast, newest first.
    public static func dramaDocument(
        drama: JSON, castings: [JSON], osts: [JSON], news: [JSON], context: Context, seq: Int64
    ) -> JSON {
        [
            "key": drama["key"], "title": drama["title"], "aliases": drama["aliases"],
            "network": drama["network"], "platforms": drama["platforms"], "premiere": drama["premiere"],
            "episodes": drama["episodes"], "sources": drama["sources"],
            "cast": .array(sortCast(castings.map { castEntry($0, context: context) })),
            "osts": .array(sortOSTs(osts.map { ostEntry($0, context: context) })),
            "news": .array(news), "seq": .int(seq),
        ]
    }

    /// A role entry of a person document.
    public static func roleEntry(_ casting: JSON, context: Context) -> JSON {
        withUnconfirmedMark(
            [
                "key": casting["key"], "drama": context.dramaRef(casting["drama"]), "role": casting["role"],
                "role_type": casting["role_type"], "status": casting["status"], "sources": casting["sources"],
            ], from: casting)
    }

    /// A song entry of a person document.
    public static func songEntry(_ ost: JSON, context: Context) -> JSON {
        withUnconfirmedMark(
            [
                "key": ost["key"], "drama": context.dramaRef(ost["drama"]), "song": ost["song"],
                "part": ost["part"], "release": ost["release"], "status": ost["status"], "sources": ost["sources"],
            ], from: ost)
    }

    /// The document of a person: identity, roles and songs with current drama titles, and news.
    public static func personDocument(
        person: JSON, castings: [JSON], osts: [JSON], news: [JSON], context: Context, seq: Int64
    ) -> JSON {
        let roles = castings.map { roleEntry($0, context: context) }
        let songs = osts.map { songEntry($0, context: context) }
        return [
            "key": person["key"], "name": person["name"], "aliases": person["aliases"],
            "roles": .array(sortByDrama(roles)), "songs": .array(sortByDrama(songs)),
            "news": .array(news), "seq": .int(seq),
        ]
    }

    /// Roles and songs of a person: by drama title, then part (unknown last), then release, then key.
    static func sortByDrama(_ entries: [JSON]) -> [JSON] {
        entries.sorted { a, b in
            let ta = a["drama"]["title"].stringValue ?? ""
            let tb = b["drama"]["title"].stringValue ?? ""
            return ta != tb ? ta < tb : partThenRelease(a, b)
        }
    }

    /// The document of an article: the record's data plus `seq`.
    public static func articleDocument(article: JSON, seq: Int64) -> JSON {
        var fields = article.objectValue ?? [:]
        fields["seq"] = .int(seq)
        return .object(fields)
    }
}
