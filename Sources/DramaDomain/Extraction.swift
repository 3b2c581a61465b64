import DramaExtract
import LineProtocol

/// How far extracted facts are trusted. Supplied facts (sent by a client in `facts`) count as
/// confidence 1.
///
/// The rule that decides which fact may change a stored value, status above all: facts fall in
/// three tiers by confidence (authoritative ≥ 0.75, confirmed ≥ 0.5, unconfirmed below), and each
/// field of an OST, casting or drama takes the latest value among the facts of the highest tier
/// that gives that field. So a weak extraction fills a gap but never overturns what a supplied
/// or authoritative fact said, while an authoritative fact published later does.
public enum ExtractionPolicy {
    /// Extracted facts below this confidence are stored as unconfirmed, and marked so.
    public static let confirmedConfidence = 0.5
    /// Facts at or above this confidence may replace values given by other authoritative facts.
    public static let authoritativeConfidence = 0.75

    /// The tier of a confidence: 2 authoritative, 1 confirmed, 0 unconfirmed.
    public static func tier(_ confidence: Double) -> Int {
        confidence >= authoritativeConfidence ? 2 : confidence >= confirmedConfidence ? 1 : 0
    }
}

/// Where an extracted fact came from: the sentence (as UTF-8 offsets into the headline or body)
/// and the extractor's confidence.
public struct Extraction: Sendable, Hashable {
    /// The extractor's confidence, 0 to 1.
    public var confidence: Double
    /// The sentence the fact was read from.
    public var evidence: Evidence

    /// Creates an extraction record.
    public init(confidence: Double, evidence: Evidence) {
        self.confidence = confidence
        self.evidence = evidence
    }

    /// Below ``ExtractionPolicy/confirmedConfidence``.
    public var unconfirmed: Bool { confidence < ExtractionPolicy.confirmedConfidence }

    /// The fields an extracted fact carries besides the supplied-fact schema.
    var jsonFields: [String: JSON] {
        [
            "confidence": .double(confidence),
            "evidence": [
                "field": .string(evidence.field.rawValue), "start": .int(Int64(evidence.start)),
                "end": .int(Int64(evidence.end)), "text": .string(evidence.text),
            ],
            "unconfirmed": .bool(unconfirmed),
        ]
    }

    /// Reads the fields back from a stored fact; nil for a supplied fact.
    static func decode(_ object: [String: JSON]) -> Extraction? {
        guard let confidence = object["confidence"]?.doubleValue,
            let evidence = object["evidence"]?.objectValue,
            let field = evidence["field"]?.stringValue.flatMap(Evidence.Field.init(rawValue:)),
            let start = evidence["start"]?.intValue, let end = evidence["end"]?.intValue
        else { return nil }
        return Extraction(
            confidence: confidence,
            evidence: Evidence(
                field: field, start: Int(start), end: Int(end), text: evidence["text"]?.stringValue ?? ""))
    }
}

extension Fact {
    /// How the fact was extracted; nil when a client supplied it.
    public var extraction: Extraction? {
        switch self {
        case .drama(let f): return f.extraction
        case .ost(let f): return f.extraction
        case .casting(let f): return f.extraction
        }
    }

    /// The confidence resolution uses: the extractor's, or 1 for a supplied fact.
    public var confidence: Double { extraction?.confidence ?? 1 }
}

extension NewsItem {
    /// The facts the extractor reads from the headline and body, validated like supplied facts
    /// (one that fails validation, say a name over the length limit, is left out).
    ///
    /// - Parameter known: names already in the database, so that a mention is reported with the
    ///   spelling the database knows.
    public func extractedFacts(known: KnownNames = KnownNames()) -> [Fact] {
        let article = Article(headline: headline, body: body ?? "", publishedAt: publishedAt.text)
        // The shipped lists of real titles and names join what the database knows.
        let names = known.addingKnowledgeBase(for: headline + "\n" + (body ?? ""))
        return Extractor(known: names).extract(article).compactMap(Self.fact(from:))
    }

    /// One extracted fact in the supplied-fact schema, validated; nil if it fails validation.
    static func fact(from extracted: ExtractedFact) -> Fact? {
        func names(_ list: [String]) -> JSON { .array(list.map { .string($0) }) }
        let json: JSON
        switch extracted {
        case .drama(let f):
            json = [
                "kind": "drama", "title": .string(f.title), "network": .string(f.network),
                "platforms": f.platforms.isEmpty ? .null : names(f.platforms), "premiere": .string(f.premiere),
                "episodes": .int(f.episodes),
            ]
        case .ost(let f):
            let credits: JSON =
                f.composers.isEmpty && f.lyricists.isEmpty && f.producers.isEmpty
                ? .null
                : ["composer": names(f.composers), "lyricist": names(f.lyricists), "producer": names(f.producers)]
            json = [
                "kind": "ost", "drama": .string(f.drama), "song": .string(f.song), "part": .int(f.part),
                "artists": names(f.artists), "release": .string(f.release), "status": .string(f.status),
                "credits": credits,
            ]
        case .casting(let f):
            json = [
                "kind": "casting", "drama": .string(f.drama), "person": .string(f.person), "role": .string(f.role),
                "role_type": .string(f.roleType), "status": .string(f.status),
            ]
        }
        guard var fact = try? NewsItem.validateFact(json, path: "extracted") else { return nil }
        fact.setExtraction(Extraction(confidence: extracted.confidence, evidence: extracted.evidence))
        return fact
    }
}

extension Fact {
    mutating func setExtraction(_ extraction: Extraction?) {
        switch self {
        case .drama(var f):
            f.extraction = extraction
            self = .drama(f)
        case .ost(var f):
            f.extraction = extraction
            self = .ost(f)
        case .casting(var f):
            f.extraction = extraction
            self = .casting(f)
        }
    }
}

/// Names the database knows, indexed by normalization key, so that the few an article mentions
/// are found without running the extractor's matching over every known name.
public struct KnownNameIndex: Sendable {
    private let people: [(key: String, name: String)]
    private let dramas: [(key: String, name: String)]

    /// Drama titles shorter than this (in letters and digits) are left out: a one-word title
    /// such as "Home" would turn every use of the word into a drama mention.
    static let minimumTitleKeyLength = 6

    /// Indexes display names and titles.
    public init(people: [String], dramas: [String]) {
        self.people = people.map { (KnowledgeBase.runKey($0), $0) }.filter { $0.0.count >= 2 }
        self.dramas = dramas.map { (KnowledgeBase.runKey($0), $0) }.filter { $0.0.count >= Self.minimumTitleKeyLength }
    }

    /// The known names whose key occurs in `text` (compared as keys, so "Kim Soo Hyun" in the
    /// text finds "Kim Soo-hyun").
    ///
    /// A name's key is looked up among the keys of every run of up to ``maximumWords``
    /// consecutive words of the text: one hash lookup per name. (A substring search of the
    /// whole text per name took 450 ms an article with 25,000 names known.)
    public func names(in text: String) -> KnownNames {
        let grams = KnowledgeBase.wordRunKeys(text, maximumWords: Self.maximumWords)
        return KnownNames(
            people: people.filter { grams.contains($0.key) }.map(\.name),
            dramas: dramas.filter { grams.contains($0.key) }.map(\.name))
    }

    /// The most words a known name can have and still be found.
    public static let maximumWords = 12
}
