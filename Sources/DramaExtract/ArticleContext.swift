import Foundation

/// Shared per-article state for the pattern modules: analyzed sentences, the drama the article
/// is about, and helpers that read templates.
struct ArticleContext: Sendable {
    var sentences: [AnalyzedSentence]
    var dates: DateResolver
    /// `titleKey` of the drama the article is about, when one stands out.
    var mainDrama: String?
    /// A surface form for each drama key seen.
    var dramaSurface: [String: String]
    /// `nameKey` of the people the caller already knows (database and knowledge base).
    var knownPeopleKeys: Set<String> = []

    // MARK: Template fragments

    static let descriptor =
        #"(?:(?:the\s+)?(?:(?:two|three|four|five|six|seven|both)\s+)?(?:(?:south\s+)?korean\s+|\d{2}-year-old\s+)?(?:[\w-]+\s+(?=members\s))?(?:(?:[a-z]+-member|[a-z]+-piece|producing)\s+)?(?:(?:ballad|girl|boy|co-ed|project|vocal|indie|rock|trot|veteran|rookie|popular|famous|talented|beloved|k-pop|hip-hop|r&b|musical|top)\s+)?(?:singer|singers|actor|actress|actors|actresses|group|girl group|boy group|band|duo|trio|vocalist|rapper|member|idol|artist|artists|soloist|trot singer|singer-songwriter|singer-actor|singer-actress|musician|rookie|veteran|ballad singer|balladeer|star|model|comedian|entertainer|k-pop|hitmaker|trio|quartet|members|idols|rappers|models|lead\s+actors?|lead\s+actress(?:es)?)\s+)?"#
    static let art =
        descriptor
        + #"(?:(?:the\s+)?(?:(?:two|three|four|five|six|seven|both)\s+)?⟨[PNO]\d+⟩(?:'s?\s+(?:members?\s+|unit\s+|vocalist\s+|leader\s+|main vocalist\s+)?|\s+members?\s+))?⟨[PN]\d+⟩(?:\s+of\s+(?:(?:girl|boy|idol|co-ed|k-pop)\s+)?(?:(?:group|band|unit)\s+)?⟨[NOP]\d+⟩)?"#
    static let artList = "(" + art + #"(?:\s*(?:,\s*and|,|and|&|featuring|feat\.?|ft\.?|×|x|X|·)\s*"# + art + "){0,8})"

    // MARK: Background

    /// Cues that a clause recalls earlier work rather than reporting news about this drama.
    private static let background = Pattern(
        #"\b(?:previously|previous(?!\s+(?:day|night|episode|broadcast))|most recent|last time|known for|best known|famous for|well-known for|years ago|a decade ago|decade ago|in the past|also credited|has also been credited|back in (?:19|20)\d{2}|back in the day|earlier in (?:his|her|their) career|debuted|hits like|hits such as|after (?:his|her|their) (?:hit|success|role|turn|appearance)|starred alongside|starred in|previously starred|has starred|have starred|had starred|appeared in|sang for|who sang|where (?:he|she|they) sang|recorded for|filmography|credits include|last year's|formerly|the last time|once again proves|sang the|sang ⟨|sang "|sang ')"#
    )
    private static let backgroundTail = Pattern(
        #",?\s*(?:who|which|whose)\s+(?:has|had|have|is|was)?\s*(?:also\s+)?(?:previously|once|earlier|formerly|been|worked|starred|sang|appeared|known|best known|famous)\b.*$"#
    )
    private static let backgroundAside = Pattern(
        #",\s*(?:known for|best known for|famous for|who starred in|who appeared in|who sang)[^,]*,"#)

    /// Drops asides and relative clauses about past work, so "X, known for 'A', will star in 'B'" keeps its news.
    static func stripAsides(_ t: String) -> String {
        var s = t
        if let m = backgroundAside.firstMatch(in: s) { s.replaceSubrange(m.range, with: ",") }
        if let m = backgroundTail.firstMatch(in: s) { s.removeSubrange(m.range) }
        return s
    }

    /// Filmography framing: "This isn't her first time…", "the 2022 drama ⟨D⟩", "⟨Q⟩ (2021)",
    /// "rose to fame with…", "penned the KBS2 series…".
    private static let filmography = Pattern(
        #"\b(?:is\s+not|isn't|was\s+not|wasn't)\s+(?:⟨[PNO]\d+⟩'s|his|her|their)\s+first\b|\b(?:the|his|her|their|a|an)\s+(?:19|20)\d{2}\s+(?:⟨[WL]\d+⟩\s+)?(?:[\w-]+\s+){0,2}?(?:drama|series|film|movie|hit|rom-com|romcom|thriller|sitcom|sageuk|melodrama|comedy|romance)\b|⟨[QDS]\d+⟩\s*\((?:19|20)\d{2}\)|\b(?:rose|risen|rising)\s+to\s+fame\b|\bdrew\s+attention\b|\b(?:gained|got|earned)\s+(?:popularity|fame|recognition)\b|\bwon\s+hearts\b|\bwrapped\s+up\b|\brecently\s+(?:finished|wrapped|concluded)\b|\bhelmed\b|\b(?:one|another|a)\s+(?:user|fan|netizen|commenter|viewer)\b|\bnetizens?\s+(?:said|commented|wrote|reacted)\b|\bfans?\s+(?:wrote|commented|reacted)\b|\banother\s+(?:said|wrote|added|commented)\b|\bpenned\s+the\s+(?:⟨[WL]\d+⟩\s+)?(?:(?:19|20)\d{2}\s+)?(?:hit|series|drama|film|webtoon|novel|script)"#
    )

    static func isBackground(_ clause: String) -> Bool { background.contains(clause) || filmography.contains(clause) }

    // MARK: Modifier titles

    /// A title that describes a person rather than naming the news: "⟨D⟩ actor ⟨P⟩", "⟨D⟩'s ⟨P⟩",
    /// "the team behind ⟨D⟩". The match is the token to drop (with its possessive).
    private static let modifierTitle = Pattern(
        #"⟨D\d+⟩(?:['’]s)?\s+(?=(?:star|actor|actress|actors|actresses|alum|alumna|alumnus|idol|co-stars?|fame)\s+⟨[PN]\d+⟩)|⟨D\d+⟩['’]s\s+(?=⟨[PN]\d+⟩)|(?<=behind\s)⟨D\d+⟩(?:['’]s)?"#
            // A creator's credit: "a series by the ⟨D⟩ director", "from ⟨D⟩'s writer", "the PD of ⟨D⟩".
            + #"|(?<=\b(?:by|from)\s)(?:the\s+)?⟨D\d+⟩(?:['’]s)?(?=\s+(?:director|writer|screenwriter|pd|producers?|creators?|team|production\s+team)\b)"#
            + #"|(?<=\b(?:director|writer|screenwriter|pd|producer|creator|creators|team)\s(?:of|behind)\s)⟨D\d+⟩"#
            // "X, along with the ⟨D⟩ star, declined": the title only says who the unnamed person is.
            + #"|(?<=\bthe\s)⟨D\d+⟩(?:['’]s)?\s+(?=(?:star|actor|actress|alum)\b)"#
    )
    /// "X, who led ⟨D⟩, …", "X, whose recent works include A and ⟨D⟩, …": an aside about past work
    /// (not "who will play …", "who is …", "who has been cast in …").
    private static let pastWorkAside = Pattern(
        #",\s*(?:whose\s|who\s+(?!(?:will|would|is|are|has\s+been|have\s+been|plays|portrays|stars)\b))[^,;.]{0,100}?⟨[DQ]\d+⟩"#
            + #"(?:(?!\b(?:will|is\s+set|is\s+slated|has\s+been|have\s+been)\b)(?:[^,;.⟨]|⟨[DQWLS]\d+⟩)){0,80}?"#
            + #"(?:,\s*(?:and\s+)?⟨[DQ]\d+⟩(?:[^,;.⟨]|⟨[DQWLS]\d+⟩){0,40}?)*,"#
    )
    /// "A (⟨D1⟩)": a parenthesis of nothing but titles after a name holds that person's past work.
    private static let titleParens = Pattern(#"⟨[PN]\d+⟩\s*\((?:\s*(?:⟨D\d+⟩|,|and|&|(?:19|20)\d{2}))+\s*\)"#)

    /// The template without titles that only describe a person ("'Itaewon Class' actor X" keeps
    /// "actor X"), and with past-work asides after a name cut to a comma.
    static func withoutModifierTitles(_ template: String) -> String {
        var s = pastWorkAside.re.stringByReplacingMatches(
            in: template, options: [], range: NSRange(template.startIndex..., in: template), withTemplate: ",")
        s = modifierTitle.re.stringByReplacingMatches(
            in: s, options: [], range: NSRange(s.startIndex..., in: s), withTemplate: "")
        return s
    }

    /// Indices of the drama mentions that only describe a person (modifier, past-work aside or
    /// "(⟨D⟩)" after a name): they neither pick the article's drama nor a clause's.
    static func modifierTitleIndices(in template: String) -> Set<Int> {
        var out = Set<Int>()
        for p in [modifierTitle, pastWorkAside, titleParens] {
            for m in p.matches(in: template) {
                for t in tokens(in: m.value) where t.kind == .drama { out.insert(t.index) }
            }
        }
        return out
    }

    // MARK: Clauses

    private static let clauseBreak = Pattern(
        #"\s*(?:;|,\s*and\s+(?=the\s|⟨|its\s|his\s|her\s|their\s|[A-Z])|,\s*while\s+|\s+while\s+|,\s*whereas\s+|,\s*but\s+)"#
    )

    /// Text ending in a list of two or more names ("⟨P1⟩, ⟨P2⟩ (Role)").
    private static let endsInNameList = Pattern(
        #"⟨[PN]\d+⟩(?:\s*\([^)]*\))?,\s*(?:⟨[PN]\d+⟩(?:\s*\([^)]*\))?,\s*)*⟨[PN]\d+⟩(?:\s*\([^)]*\))?\s*$"#)
    /// Text starting with a name (the last item of a list).
    private static let namesFollow = Pattern(#"^⟨[PN]\d+⟩"#)
    /// Text ending in a song credit ("⟨S1⟩ by ⟨P2⟩", "⟨Q3⟩ (⟨N4⟩)"), and text starting with a song:
    /// "'A' by X, 'B' by Y, and 'C' by Z" is one list of credits.
    private static let endsInSongItem = Pattern(
        #"⟨[SQ]\d+⟩\s*(?:\(\s*⟨[PN]\d+⟩\s*\)|,?\s+by\s+(?:⟨[PNO]\d+⟩'s?\s+)?⟨[PN]\d+⟩)\s*$"#)
    private static let songFollows = Pattern(#"^⟨[SQ]\d+⟩"#)

    /// Splits a template into clauses so that "the first OST … is sung by A, and the second OST …
    /// is sung by B" yields two credits.
    static func clauses(_ template: String) -> [String] {
        var out: [String] = []
        var cursor = template.startIndex
        for m in clauseBreak.matches(in: template) {
            // "A, B, C, and D portray …" is one list, not two clauses: splitting at the last
            // ", and" left only D with the verb.
            if endsInNameList.contains(String(template[cursor..<m.range.lowerBound])),
                namesFollow.contains(String(template[m.range.upperBound...]))
            {
                continue
            }
            if endsInSongItem.contains(String(template[cursor..<m.range.lowerBound])),
                songFollows.contains(String(template[m.range.upperBound...]))
            {
                continue
            }
            let piece = String(template[cursor..<m.range.lowerBound])
            if !piece.trimmed.isEmpty { out.append(piece) }
            cursor = m.range.upperBound
        }
        let rest = String(template[cursor...])
        if !rest.trimmed.isEmpty { out.append(rest) }
        return out
    }

    // MARK: Tokens

    static func tokens(in s: String) -> [(kind: MentionKind, index: Int, range: Range<String.Index>)] {
        MentionFinder.tokenPattern.matches(in: s).compactMap { m in
            guard let k = MentionKind(rawValue: m.group(1)!), let i = Int(m.group(2)!) else { return nil }
            return (k, i, m.range)
        }
    }

    /// The people in an artist or cast list, dropping the group in "Super Junior's Kyuhyun".
    static func people(inList s: String, sentence: AnalyzedSentence) -> [String] {
        let toks = tokens(in: s)
        var out: [String] = []
        for (n, t) in toks.enumerated() {
            guard t.kind == .person || t.kind == .name else { continue }
            if n + 1 < toks.count {
                let between = s[t.range.upperBound..<toks[n + 1].range.lowerBound]
                if between.range(
                    of: #"^(?:'s?\s+(?:members?\s+|unit\s+|vocalist\s+|leader\s+|main vocalist\s+)?|\s+members?\s+)$"#,
                    options: .regularExpression) != nil
                {
                    continue
                }
            }
            // "Cha Se-bin of girl group X": the group is where she comes from, not a second credit.
            if n > 0 {
                let between = s[toks[n - 1].range.upperBound..<t.range.lowerBound]
                if between.range(
                    of: #"^\s+of\s+(?:(?:girl|boy|idol|co-ed|k-pop)\s+)?(?:(?:group|band|unit)\s+)?$"#,
                    options: [.regularExpression, .caseInsensitive]) != nil
                {
                    continue
                }
            }
            let name = sentence.mentions[t.index].text
            if !out.contains(name) { out.append(name) }
        }
        return out
    }

    func dramaTokens(in clause: String, sentence: AnalyzedSentence) -> [(
        key: String, surface: String, range: Range<String.Index>
    )] {
        ArticleContext.tokens(in: clause).filter { $0.kind == .drama }.map {
            let m = sentence.mentions[$0.index]
            return (titleKey(m.text), m.text, $0.range)
        }
    }

    // MARK: Dates

    private static let announcementLeft = Pattern(
        #"\b(?:revealed|announced|reported|said|told|stated|shared|according|industry|confirmed|disclosed|informed|posted|exclusive)\b[^⟨]{0,40}$"#
    )
    private static let eventLeft = Pattern(
        #"\b(?:releas\w*|drop\w*|unveil\w*|follow\w*|out|available|premier\w*|air\w*|broadcast\w*|debut\w*|launch\w*|come out|comes out|arriv\w*|greet\w*)\b"#
    )

    /// The event date in a clause: the date expression nearest to an event word, ignoring dates
    /// that say when something was announced ("according to the industry on the 3rd").
    func eventDate(in clause: String, tense: DateTense, cue: Pattern = eventLeft) -> String? {
        let mentions = dates.mentions(in: clause)
        guard !mentions.isEmpty else { return nil }
        let cues = cue.matches(in: clause).map { $0.range }
        guard !cues.isEmpty else { return nil }
        var best: (Int, DateMention)?
        for m in mentions {
            let left = String(clause[clause.startIndex..<m.range.lowerBound].suffix(50))
            if ArticleContext.announcementLeft.contains(left),
                !ArticleContext.eventLeft.contains(String(left.suffix(30)))
            {
                continue
            }
            let d = cues.map { c -> Int in
                c.upperBound <= m.range.lowerBound
                    ? clause.distance(from: c.upperBound, to: m.range.lowerBound)
                    : (m.range.upperBound <= c.lowerBound
                        ? clause.distance(from: m.range.upperBound, to: c.lowerBound) : 0)
            }.min()!
            if d <= 80, best == nil || d < best!.0 { best = (d, m) }
        }
        guard let chosen = best?.1 else { return nil }
        return dates.resolve(chosen, tense: tense)
    }

    // MARK: Drama fallback

    private static let dramaReference = Pattern(
        #"\b(?:the|this|its|that)\s+(?:(?:new|upcoming|hit|popular|ongoing|chart-topping|widely lauded|romance|romantic|fantasy|historical|mystery|thriller|comedy|music|weekend|mini|[\w-]+)\s+){0,3}(?:drama|k-drama|series|show|project|production|work|remake|(?:melodrama|thriller|rom-com|sageuk)(?!\s+(?:film|movie)))(?:'s)?\b|\bthe\s+(?:cast|(?:first|second|final|last|premiere)\s+episode)\b|\bits\s+(?:[\w-]+\s+){0,2}cast\b|^\s*(?:new\s+)?episodes\s+(?:are\s+released|are\s+available|air|drop|stream|premiere|are\s+streamed|will\s+be\s+released)\b|\bits\s+(?:ost|soundtrack)|^\s*it\s+(?:will|is|was|has|had|airs|premieres|stars)\b"#
    )

    /// How many distinct dramas the article names outside background asides.
    var dramaCount = 0

    /// The article's main drama, for a clause that refers to "the drama" without naming it.
    func fallbackDrama(for clause: String, requireReference: Bool) -> String? {
        guard let main = mainDrama else { return nil }
        if requireReference && !ArticleContext.dramaReference.contains(clause) { return nil }
        return main
    }

    /// "X has been cast in an upcoming historical drama": casting news names the article's drama this
    /// way. Casting only: "an upcoming tvN drama" must not give the article's drama a network.
    private static let upcomingReference = Pattern(
        #"\b(?:a\s+new|an\s+upcoming|(?:in|for|of|to|from|with|joins?|joined|joining)\s+upcoming)\s+(?:⟨[WL]\d+⟩(?:'s)?\s+)?(?:[\w-]+\s+){0,3}?(?:drama|k-drama|series|melodrama|thriller)\b(?!\s+(?:film|movie))"#
    )
    /// "… another upcoming drama", "her next series": a work other than the article's.
    private static let otherWork = Pattern(#"\b(?:another|other|next|separate|different)\b"#)

    /// The article's main drama for a casting clause that refers to it without naming it: as
    /// `fallbackDrama`, and also "a new …drama" or "an upcoming …series".
    func castingFallbackDrama(for clause: String) -> String? {
        if let main = fallbackDrama(for: clause, requireReference: true) { return main }
        guard let main = mainDrama, ArticleContext.upcomingReference.contains(clause),
            !ArticleContext.otherWork.contains(clause)
        else { return nil }
        return main
    }

    /// "… in another upcoming drama", "… cast in a new series": the clause speaks of a work it does not name.
    static func namesAnotherWork(_ clause: String) -> Bool {
        upcomingReference.contains(clause) || otherWork.contains(clause)
    }

    /// The article's only drama, for a clause that names no drama at all and does not speak of
    /// another work ("… cast in another drama").
    func onlyDrama(for clause: String) -> String? {
        dramaCount == 1 && !ArticleContext.otherWork.contains(clause) ? mainDrama : nil
    }
}
