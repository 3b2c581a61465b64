import Foundation

/// A news article as published: the headline, the body text and the publication instant.
public struct Article: Sendable {
    /// The headline exactly as published.
    public var headline: String
    /// The body text as a reader sees it, boilerplate included; the extractor filters it.
    public var body: String
    /// RFC 3339 date-time, e.g. `2024-04-19T09:30:00+09:00`; relative dates resolve against it in KST.
    public var publishedAt: String

    /// Creates an article from its headline, body and publication instant.
    public init(headline: String, body: String, publishedAt: String) {
        self.headline = headline
        self.body = body
        self.publishedAt = publishedAt
    }
}

/// The sentence that established a fact, located in the headline or the body.
public struct Evidence: Sendable, Hashable {
    /// Which part of the article the sentence comes from.
    public enum Field: String, Sendable, Hashable {
        case headline
        case body
    }

    /// The article field that holds the sentence.
    public var field: Field
    /// UTF-8 byte offset of the sentence's first byte within `field`.
    public var start: Int
    /// UTF-8 byte offset just past the sentence's last byte within `field`.
    public var end: Int
    /// The sentence text (the bytes `start..<end` of the field).
    public var text: String

    /// Creates evidence for a sentence at the given UTF-8 offsets.
    public init(field: Field, start: Int, end: Int, text: String) {
        self.field = field
        self.start = start
        self.end = end
        self.text = text
    }
}

/// News about a drama itself: where and when it airs and how long it runs.
public struct DramaFacts: Sendable, Hashable {
    /// The title as the article spells it best (or the known spelling).
    public var title: String
    /// The broadcaster (tvN, KBS2, JTBC…), when stated.
    public var network: String?
    /// Streaming platforms (Netflix, Disney+…), when stated.
    public var platforms: [String]
    /// `2025-05-10`, or `2025-05-10T21:20:00+09:00` when a time is given.
    public var premiere: String?
    /// The total episode count, when stated.
    public var episodes: Int?
    /// The sentence that established the fact.
    public var evidence: Evidence
    /// Calibrated probability that the fact is right, 0...1.
    public var confidence: Double

    /// Creates a drama fact.
    public init(
        title: String, network: String? = nil, platforms: [String] = [], premiere: String? = nil,
        episodes: Int? = nil, evidence: Evidence, confidence: Double
    ) {
        self.title = title
        self.network = network
        self.platforms = platforms
        self.premiere = premiere
        self.episodes = episodes
        self.evidence = evidence
        self.confidence = confidence
    }
}

/// An OST credit: who sings which song (or part) for a drama, and when it comes out.
public struct OSTFacts: Sendable, Hashable {
    /// The drama the soundtrack belongs to.
    public var drama: String
    /// The song title, when known (lineups often precede titles).
    public var song: String?
    /// The OST part number ("Part 3", "the third OST").
    public var part: Int?
    /// Artists as credited; a group singing as a group is the group name.
    public var artists: [String]
    /// `2025-03-15` or `2025-03-15T18:00:00+09:00`.
    public var release: String?
    /// `"announced"` or `"released"`.
    public var status: String?
    /// Composers named for the song.
    public var composers: [String]
    /// Lyricists named for the song.
    public var lyricists: [String]
    /// Producers named for the song.
    public var producers: [String]
    /// The sentence that established the fact.
    public var evidence: Evidence
    /// Calibrated probability that the fact is right, 0...1.
    public var confidence: Double

    /// Creates an OST fact.
    public init(
        drama: String, song: String? = nil, part: Int? = nil, artists: [String], release: String? = nil,
        status: String? = nil, composers: [String] = [], lyricists: [String] = [], producers: [String] = [],
        evidence: Evidence, confidence: Double
    ) {
        self.drama = drama
        self.song = song
        self.part = part
        self.artists = artists
        self.release = release
        self.status = status
        self.composers = composers
        self.lyricists = lyricists
        self.producers = producers
        self.evidence = evidence
        self.confidence = confidence
    }
}

/// A casting credit: who plays (or may play, or will no longer play) whom in a drama.
public struct CastingFacts: Sendable, Hashable {
    /// The drama.
    public var drama: String
    /// The performer.
    public var person: String
    /// The character name, when given.
    public var role: String?
    /// `"lead"`, `"supporting"`, `"cameo"` or `"special"`, when stated.
    public var roleType: String?
    /// `"rumored"`, `"in_talks"`, `"offered"`, `"confirmed"`, `"declined"`, `"withdrawn"` or `"cancelled"`.
    public var status: String?
    /// The sentence that established the fact.
    public var evidence: Evidence
    /// Calibrated probability that the fact is right, 0...1.
    public var confidence: Double

    /// Creates a casting fact.
    public init(
        drama: String, person: String, role: String? = nil, roleType: String? = nil, status: String? = nil,
        evidence: Evidence, confidence: Double
    ) {
        self.drama = drama
        self.person = person
        self.role = role
        self.roleType = roleType
        self.status = status
        self.evidence = evidence
        self.confidence = confidence
    }
}

/// One fact extracted from an article.
public enum ExtractedFact: Sendable, Hashable {
    case drama(DramaFacts)
    case ost(OSTFacts)
    case casting(CastingFacts)

    /// The fact's confidence, whatever its kind.
    public var confidence: Double {
        switch self {
        case .drama(let f): f.confidence
        case .ost(let f): f.confidence
        case .casting(let f): f.confidence
        }
    }

    /// The fact's evidence, whatever its kind.
    public var evidence: Evidence {
        switch self {
        case .drama(let f): f.evidence
        case .ost(let f): f.evidence
        case .casting(let f): f.evidence
        }
    }
}

/// Names already in the database. A mention whose normalized key matches one is reported with
/// this spelling, so that the store does not grow a new alias for every romanization.
public struct KnownNames: Sendable {
    /// Known people and groups, spelled as stored.
    public var people: [String]
    /// Known drama titles, spelled as stored.
    public var dramas: [String]

    /// Creates the list of known names.
    public init(people: [String] = [], dramas: [String] = []) {
        self.people = people
        self.dramas = dramas
    }
}
