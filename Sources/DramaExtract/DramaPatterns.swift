import Foundation

/// Facts about a drama itself as read from one clause, before merging.
struct DramaRecord: Sendable {
    var title: String
    var network: String?
    var platforms: [String] = []
    var premiere: String?
    var episodes: Int?
    var evidence: Sentence
    var confidence: Double
}

/// Reads where and when a drama airs: "tvN's 'Y'", "airs on tvN and Netflix",
/// "will premiere on May 10 at 9 p.m. KST", "a 16-episode series".
enum DramaPatterns {
    private static let networkOwner = Pattern(
        #"⟨W(\d+)⟩'s\s+(?:(?:new|upcoming|hit|popular|weekend|wednesday-thursday|monday-tuesday|friday-saturday|saturday-sunday|mini|original|romance|romantic|fantasy|historical|mystery|thriller|comedy|legal|medical|k-|ongoing|latest|family|daily|rom-com|romcom|melodrama|sageuk|youth|office|crime|action|period|revenge|coming-of-age|webtoon-based|drama|series|miniseries)\s*){0,5}?⟨D(\d+)⟩"#
    )
    private static let platformOwner = Pattern(
        #"⟨L(\d+)⟩(?:'s)?\s+(?:original\s+)?(?:(?:new|upcoming|hit|popular|original|k-)\s*)*(?:drama\s+|series\s+)?⟨D(\d+)⟩|⟨D(\d+)⟩,?\s+(?:an?\s+)?⟨L(\d+)⟩\s+original"#
    )
    private static let airCue = Pattern(
        #"\b(?:air|airs|aired|airing|broadcast|broadcasts|broadcasting|premiere|premieres|premiered|premiering|debut|debuts|stream|streams|streaming|streamed|available|released|release|releases|will be released|launch|launches|run|runs|running|is on|shown|showing|greet|greets)\b"#
    )
    /// "on ⟨W⟩", also "on South Korean cable channel ⟨W⟩", "via streaming platform ⟨L⟩".
    private static let onChannel = Pattern(
        #"\b(?:on|via|through|exclusively on|by|at)\s+"#
            + #"(?:(?:the\s+)?(?:(?:south\s+)?korean\s+|global\s+|local\s+)?"#
            + #"(?:(?:tv|cable|streaming|broadcast|broadcasting|terrestrial|ott|video)\s+)*"#
            + #"(?:network|channel|platform|service|broadcaster|station|giant)s?\s+)?"#
            + #"((?:⟨[WL]\d+⟩(?:\s*(?:,|and|&|as well as|,\s*and)\s*(?:also\s+)?(?:on\s+|via\s+)?)?){1,5})"#
    )
    /// "⟨W⟩ drama ⟨D⟩", "⟨W⟩'s new Saturday-Sunday drama ⟨D⟩", "the upcoming ⟨W⟩ series, ⟨D⟩".
    private static let channelDrama = Pattern(
        #"⟨W(\d+)⟩(?:'s?|’s?)?\s+(?:(?!(?:and|or|but|with|from|than)\b)[\w-]+\s+){0,4}?"#
            + #"(?:drama|series|miniseries|k-drama|remake|melodrama|thriller|rom-com|sageuk)"#
            + #"(?:\s+(?:series|special))?\s*,?\s*['"‘“]?⟨D(\d+)⟩"#)
    /// "⟨D⟩ is an upcoming ⟨W⟩ drama", "⟨D⟩, ⟨W⟩'s new weekend series", "⟨D⟩ is a ⟨L⟩ original series".
    private static let dramaIsChannel = Pattern(
        #"⟨D(\d+)⟩(?:\s*\([^)]*\))?(?:,\s*|\s+(?:is|was|will\s+be)\s+(?:also\s+)?|\s+(?=⟨W))"#
            + #"(?:(?:an?|the)\s+)?"#
            + #"(?:(?!(?:and|or|but|with|from|than|like|after|before|to|in|on|at|who|starred|starring)\b)"#
            + #"[\w-]+\s+){0,3}?"#
            + #"⟨([WL])(\d+)⟩(?:'s?|’s?)?\s+(?:(?!(?:and|or|but|with|from|than)\b)[\w-]+\s+){0,4}?"#
            + #"(?:drama|series|miniseries|k-drama|melodrama|thriller|rom-com|sageuk)\b"#)
    private static let premiereCue = Pattern(
        #"\b(?:premiere|premieres|premiered|premiering|first\s+broadcast|first\s+episode|will\s+air|set\s+to\s+air|scheduled\s+to\s+air|slated\s+to\s+air|begins?\s+airing|will\s+debut|set\s+to\s+debut|kicks?\s+off|first\s+airs?|will\s+start\s+airing|to\s+premiere|starts?\s+airing)\b"#
    )
    private static let notPremiere = Pattern(
        #"\b(?:next|upcoming|final|last|latest|new|remaining|special|following)\s+(?:episode|episodes|installment|chapter)\b|\bepisodes?\s+\d+|\bfinale\b|\bthe\s+(?:first|second|third)\s+(?:teaser|poster|trailer)\b"#
    )
    private static let episodesCount = Pattern(
        #"(?<!\b(?:aired|airing|first|last|final|remaining|previous|latest|next|past|only|already)\s)(?<!\b(?:aired|airing)\s(?:its|the|only)\s)\b(\d{1,3}|two|four|six|eight|ten|twelve|fourteen|sixteen|eighteen|twenty|twenty-four|thirty|thirty-two|forty|fifty)(?:-|\s+)episodes?\b(?!\s+(?:so far|left|remaining|have aired|aired|in))"#
    )
    private static let episodesFrame = Pattern(
        #"\b(?:consist(?:s|ing)?\s+of|total\s+of|will\s+run\s+for|runs\s+for|run\s+for|comprising|spanning|with|slated\s+for|set\s+for|planned\s+for|for)\s+(?:a\s+total\s+of\s+)?(?:\d{1,3}|[a-z-]+)\s+episodes\b|\b(?:\d{1,3}|[a-z-]+)-episodes?\b|\b(?:\d{1,3}|[a-z-]+)\s+episodes\s+in\s+total\b"#
    )
    /// "a 12-part series": the episode count of a miniseries.
    private static let partSeries = Pattern(
        #"\b(\d{1,3}|[a-z]+(?:-[a-z]+)?)-part\s+(?:[\w-]+\s+){0,2}?(?:series|drama|k-drama|miniseries|mini-series)\b"#)
    private static let pastProgress = Pattern(
        #"\b(?:has|have|had)\s+(?:already\s+)?aired\b|\bso far\b|\bsince\s+its\s+premiere\b"#)
    private static let sincePremiere = Pattern(#"\bsince\s+(?:its\s+)?(?:premiere|debut|first\s+broadcast)\b"#)
    private static let pastTense = Pattern(
        #"\b(?:premiered|aired|debuted|began|kicked off|was released|first aired|since)\b"#)

    private static let itSubject = Pattern(
        #"^\s*it\s+(?:airs|will\s+air|premieres|will\s+premiere|streams|is\s+(?:aired|broadcast|available))\b"#)

    static func extract(_ ctx: ArticleContext) -> [DramaRecord] {
        var records: [DramaRecord] = []
        for sentence in ctx.sentences {
            let template = ArticleContext.stripAsides(sentence.template)
            for clause in ArticleContext.clauses(template) {
                if ArticleContext.isBackground(clause) { continue }
                let local = ctx.dramaTokens(in: clause, sentence: sentence)
                let keys = Set(local.map(\.key))
                var title: String?
                var confidence = 0.85
                if keys.count == 1 {
                    title = local[0].surface
                } else if keys.isEmpty, itSubject.contains(clause),
                    case let inSentence = ctx.dramaTokens(in: template, sentence: sentence),
                    Set(inSentence.map(\.key)).count == 1
                {
                    // "'X' is a drama about …, and it airs on ENA": "it" is the sentence's drama.
                    title = inSentence[0].surface
                    confidence = 0.8
                } else if keys.isEmpty, ctx.dramaTokens(in: template, sentence: sentence).isEmpty,
                    let main = ctx.fallbackDrama(for: clause, requireReference: true)
                {
                    title = ctx.dramaSurface[main]
                    confidence = 0.75
                }
                var rec = DramaRecord(title: title ?? "", evidence: sentence.sentence, confidence: confidence)
                // Possessive forms name the drama even when the clause has several titles.
                if let m = networkOwner.firstMatch(in: clause) ?? channelDrama.firstMatch(in: clause),
                    let w = Int(m.group(1)!), let d = Int(m.group(2)!)
                {
                    rec.title = sentence.mentions[d].text
                    rec.network = sentence.mentions[w].text
                    rec.confidence = 0.85
                } else if let m = dramaIsChannel.firstMatch(in: clause), let d = Int(m.group(1)!),
                    let c = Int(m.group(3)!)
                {
                    rec.title = sentence.mentions[d].text
                    if m.group(2) == "W" {
                        rec.network = sentence.mentions[c].text
                    } else {
                        rec.platforms.append(sentence.mentions[c].text)
                    }
                    rec.confidence = 0.85
                }
                if let m = platformOwner.firstMatch(in: clause) {
                    let l = Int(m.group(1) ?? m.group(4) ?? "")
                    let d = Int(m.group(2) ?? m.group(3) ?? "")
                    if let l, let d, rec.title.isEmpty || rec.title == sentence.mentions[d].text,
                        !rec.platforms.contains(sentence.mentions[l].text)
                    {
                        rec.title = sentence.mentions[d].text
                        rec.platforms.append(sentence.mentions[l].text)
                    }
                }
                guard !rec.title.isEmpty else { continue }
                if airCue.contains(clause) {
                    for m in onChannel.matches(in: clause) {
                        for t in ArticleContext.tokens(in: m.group(1)!) {
                            let name = sentence.mentions[t.index].text
                            if t.kind == .network, rec.network == nil {
                                rec.network = name
                            } else if t.kind == .platform, !rec.platforms.contains(name) {
                                rec.platforms.append(name)
                            }
                        }
                    }
                }
                if premiereCue.contains(clause) && !notPremiere.contains(clause) || sincePremiere.contains(clause) {
                    let since = sincePremiere.contains(clause)
                    let tense: DateTense = since || pastTense.contains(clause) ? .past : .future
                    if let date = ctx.eventDate(in: clause, tense: tense) {
                        rec.premiere = date
                        if since { rec.confidence = min(rec.confidence, 0.5) }
                    }
                }
                if !pastProgress.contains(clause), episodesFrame.contains(clause),
                    let m = episodesCount.firstMatch(in: clause)
                {
                    let raw = m.group(1)!.lowercased()
                    rec.episodes = Int(raw) ?? Gazetteer.cardinals[raw]
                } else if !pastProgress.contains(clause), let m = partSeries.firstMatch(in: clause) {
                    let raw = m.group(1)!.lowercased()
                    rec.episodes = Int(raw) ?? Gazetteer.cardinals[raw]
                }
                if rec.network != nil || !rec.platforms.isEmpty || rec.premiere != nil || rec.episodes != nil {
                    if sentence.sentence.isHeadline { rec.confidence = min(rec.confidence, 0.75) }
                    records.append(rec)
                }
            }
        }
        return records
    }
}
