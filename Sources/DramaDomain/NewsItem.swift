import LineProtocol

/// OST status.
public enum OSTStatus: String, Sendable, CaseIterable {
    case announced, released
}

/// Casting status, from rumour to confirmation or dropping out.
public enum CastingStatus: String, Sendable, CaseIterable {
    case rumored
    case inTalks = "in_talks"
    case offered, confirmed, declined, withdrawn, cancelled
}

/// Kind of role in a cast.
public enum RoleType: String, Sendable, CaseIterable {
    case lead, supporting, cameo, special
}

/// Facts about a drama itself.
public struct DramaFact: Sendable, Hashable {
    public var title: String
    public var network: String?
    public var platforms: [String]?
    public var premiere: Timestamp?
    public var episodes: Int?
    /// Set when the fact was extracted from text.
    public var extraction: Extraction? = nil
}

/// Song credits: composers, lyricists, producers.
public struct Credits: Sendable, Hashable {
    public var composer: [String]
    public var lyricist: [String]
    public var producer: [String]

    /// The credits as JSON.
    public var json: JSON {
        [
            "composer": .array(composer.map { .string($0) }),
            "lyricist": .array(lyricist.map { .string($0) }),
            "producer": .array(producer.map { .string($0) }),
        ]
    }
}

/// An OST assertion. `song` and `part` are nil when an article only says someone will sing.
public struct OSTFact: Sendable, Hashable {
    public var drama: String
    public var song: String?
    public var part: Int?
    public var artists: [String]
    public var release: Timestamp?
    public var status: OSTStatus?
    public var credits: Credits?
    /// Set when the fact was extracted from text.
    public var extraction: Extraction? = nil
}

/// A casting assertion.
public struct CastingFact: Sendable, Hashable {
    public var drama: String
    public var person: String
    public var role: String?
    public var roleType: RoleType?
    public var status: CastingStatus?
    /// Set when the fact was extracted from text.
    public var extraction: Extraction? = nil
}

/// One fact an article asserts.
public enum Fact: Sendable, Hashable {
    case drama(DramaFact)
    case ost(OSTFact)
    case casting(CastingFact)

    /// The drama the fact is about, as written.
    public var dramaName: String {
        switch self {
        case .drama(let f): return f.title
        case .ost(let f): return f.drama
        case .casting(let f): return f.drama
        }
    }

    /// The people the fact names, in order (the cast member, or the credited artists).
    public var personNames: [String] {
        switch self {
        case .drama: return []
        case .ost(let f): return f.artists
        case .casting(let f): return [f.person]
        }
    }

    /// The kind name used on the wire.
    public var kind: String {
        switch self {
        case .drama: return "drama"
        case .ost: return "ost"
        case .casting: return "casting"
        }
    }

    /// The fact in its canonical JSON form: every known field, nulls explicit; an extracted fact
    /// also carries `confidence`, `evidence` and `unconfirmed`.
    public var json: JSON {
        guard let extraction, case .object(var fields) = suppliedJSON else { return suppliedJSON }
        fields.merge(extraction.jsonFields) { $1 }
        return .object(fields)
    }

    /// The fields of the supplied-fact schema.
    var suppliedJSON: JSON {
        switch self {
        case .drama(let f):
            return [
                "kind": "drama", "title": .string(f.title), "network": .string(f.network),
                "platforms": f.platforms.map { .array($0.map { .string($0) }) } ?? .null,
                "premiere": .string(f.premiere?.text), "episodes": .int(f.episodes),
            ]
        case .ost(let f):
            return [
                "kind": "ost", "drama": .string(f.drama), "song": .string(f.song), "part": .int(f.part),
                "artists": .array(f.artists.map { .string($0) }), "release": .string(f.release?.text),
                "status": .string(f.status?.rawValue), "credits": f.credits?.json ?? .null,
            ]
        case .casting(let f):
            return [
                "kind": "casting", "drama": .string(f.drama), "person": .string(f.person),
                "role": .string(f.role), "role_type": .string(f.roleType?.rawValue),
                "status": .string(f.status?.rawValue),
            ]
        }
    }
}

/// A validated news item (the argument of INGEST).
public struct NewsItem: Sendable, Hashable {
    public var url: String
    public var source: String
    public var publishedAt: Timestamp
    public var headline: String
    public var body: String?
    public var facts: [Fact]
    /// Whether the sender asked for extraction from the text.
    public var extract: Bool
    /// Whether `facts` were extracted from the text rather than sent.
    public private(set) var factsExtracted = false

    /// Replaces the facts with ones extracted from the text.
    public mutating func setExtractedFacts(_ facts: [Fact]) {
        self.facts = facts
        factsExtracted = true
    }

    /// What identifies the content for duplicate detection: everything but the url, canonically
    /// serialized. The same url with the same content is a duplicate; otherwise a correction.
    /// Extracted facts are not content: they follow from the text (and from the names the
    /// database knew then), so the same article sent again is a duplicate.
    public var canonicalContent: String {
        var content: [String: JSON] = [
            "source": .string(source), "published_at": .string(publishedAt.text),
            "headline": .string(headline), "body": .string(body),
        ]
        if factsExtracted {
            content["extract"] = true
        } else {
            content["facts"] = .array(facts.map(\.json))
        }
        return JSON.object(content).serialized()
    }
}
