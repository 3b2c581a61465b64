import Foundation

/// An OST credit as read from one clause, before merging and name resolution.
struct OSTRecord: Sendable {
    var drama: String?
    var song: String?
    var part: Int?
    var artists: [String] = []
    var release: String?
    var status: String?
    var composers: [String] = []
    var lyricists: [String] = []
    var producers: [String] = []
    var evidence: Sentence
    var confidence: Double
    /// A record that only adds details (credits, dates) to a song named elsewhere.
    var isDetail = false
    /// Guest singers a detail adds to the song ("The track features singer X").
    var featuring: [String] = []
}

/// Reads OST credits: "X will sing Part 3 of the OST for Y", "Y's OST 'Song' by X is out",
/// lineups, credits and release dates.
enum OSTPatterns {
    static let al = ArticleContext.artList

    /// Also "'A' by X has been released for ⟨D⟩" and "X's 'A' for ⟨D⟩": a song made for the drama.
    private static let cue = Pattern(
        #"\b(?:osts?|original sound ?tracks?|sound ?tracks?)\b|\bpart\s*\.?\s*\d{1,2}\s*,?\s*⟨[SQ]\d+⟩|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))\s+part\s*,?\s+(?:sung|performed)\s+by\b"#
            + #"|\ban?\s+(?:new\s+|original\s+){1,2}(?:song|track|ballad)\s+for\s+(?:⟨[WL]\d+⟩'s\s+)?"#
            + #"(?:[\w-]+\s+){0,3}?⟨D\d+⟩"#
            + #"|⟨[SQ]\d+⟩(?:[^.⟨]|⟨[PN]\d+⟩){0,60}?\b(?:released|unveiled|dropped)\s+"#
            + #"(?:(?:on|in|at)\s+[^.⟨]{0,25}?\s+)?(?:for|as\s+part\s+of)\s+(?:the\s+)?"#
            + #"(?:⟨[WL]\d+⟩(?:'s)?\s+)?(?:[\w-]+\s+){0,3}?⟨D\d+⟩"#
            + #"|⟨[PN]\d+⟩'s\s+(?:[\w-]+\s+){0,2}?⟨[SQ]\d+⟩\s*,?\s+(?:for|from)\s+(?:the\s+)?"#
            + #"(?:⟨[WL]\d+⟩(?:'s)?\s+)?(?:[\w'-]+\s+){0,3}?⟨D\d+⟩"#
    )
    private static let singFor = Pattern(
        #"\b(?:sing|sings|singing|sang|lend(?:s|ing)?\s+(?:his|her|their)\s+(?:[\w-]+\s+)?(?:voices?|vocals?)|croon(?:s|ed|ing)?|voices?)\s+(?:for|to|in)\s+(?:the\s+)?(?:(?:[\w-]+\s+){0,3}?|(?:[\w’'-]+\s+){0,7}?(?:drama|series|show)\s+)⟨D\d+⟩"#
    )

    private static let explicitDrama: [Pattern] = [
        Pattern(#"⟨D(\d+)⟩(?:'s)?\s+(?:[\w-]+\s+){0,3}?(?:osts?|original sound ?tracks?|sound ?tracks?)\b"#),
        Pattern(
            #"\b(?:osts?|original sound ?tracks?|sound ?tracks?)\b(?:\s*\([^)]*\))?[^⟨.]{0,60}?\b(?:for|of|from|to|in)\s+(?:the\s+)?(?:[\w+'-]+\s+){0,6}?⟨D(\d+)⟩"#
        ),
        Pattern(
            #"\b(?:sing|sings|singing|sang|voices?|croon(?:s|ed|ing)?|lend(?:s|ing)?\s+(?:his|her|their)\s+(?:[\w-]+\s+)?(?:voices?|vocals?))\s+(?:for|to|in)\s+(?:the\s+)?(?:(?:[\w-]+\s+){0,3}?|(?:[\w’'-]+\s+){0,7}?(?:drama|series|show)\s+)⟨D(\d+)⟩"#
        ),
    ]
    private static let epithet = Pattern(
        #"(?:the\s+)?⟨D(\d+)⟩\s+(?:star|actor|actress|lead|leads|heroine|hero|cast member)\b"#)

    private static let sungBy = Pattern(#"\b(?:sung|performed|sang|voiced|recorded|sing|sings)\s+by\s+"# + al)
    private static let ownerOfSong = Pattern(
        al
            + #"'s\s+(?:new\s+|upcoming\s+|latest\s+|emotional\s+|sweet\s+)?(?:song\s+|track\s+|single\s+|ost\s+|ballad\s+|part\s*\.?\s*\d+\s+)?⟨([SQ])(\d+)⟩"#
    )
    private static let songBy = Pattern(#"⟨([SQ])(\d+)⟩(?:\s*\([^)]*\))?,?\s+by\s+"# + al)
    private static let ostBy = Pattern(#"\b(?:ost|soundtrack|part\s*\.?\s*\d+)\s+by\s+"# + al)
    private static let subject = Pattern(
        #"(?:^|[,:"]\s*|--\s*|\)\s*|\bthat\s+|\bwhen\s+)\s*"# + al
            + #"\s+(?:(?:has|have|had|is|are|was|were|will|would|also|once again|again|officially|reportedly|be|been|set|slated|confirmed|chosen|selected|tapped|expected|scheduled|going|to|now|all|both|finally|recently|newly|make|makes|making|made|a|an|the|his|her|their|musical|comeback|with|ready|decided|agreed|in charge of|lead|leads|led)\s+){0,6}(?:sing|sings|sang|singing|sung|lend|lends|lending|lent|participate|participates|participating|participated|join|joins|joined|joining|take part|takes part|took part|taking part|record|records|recorded|recording|croon|croons|crooned|release|releases|released|releasing|drop|drops|dropped|dropping|unveil|unveils|unveiled|unveiling|voice|voices|voiced|contribute|contributes|contributed|contributing|present|presents|presented|perform|performs|performed|team up|teams up|teamed up|handle|handles|handled|comeback|return|returns|returning|open|opens|opened|opening|kick off|kicks off|kicked off)\b"#
    )
    private static let lineup = Pattern(
        #"\b(?:line-?up|participating artists?|participating singers?|artists|singers)\b(?:\s+[\w-]+){0,5}?\s*(?::|-|includes?|including|features?|featuring|starring|consists? of|such as|are|is|with)\s+(?:the\s+)?"#
            + al)
    /// "The final lineup for the soundtrack, announced by …, also includes A, B and C".
    private static let lineupIncludes = Pattern(
        #"\bline-?up\b[^.;:]{0,100}?\b(?:also\s+)?(?:includes?|including|features?|consists?\s+of)\s+(?:the\s+)?"# + al)
    /// "A and B are some of the singers who will be featured", "A, B among singers for ⟨D⟩ soundtrack".
    private static let amongSingers = Pattern(
        al
            + #"\s+(?:(?:are|is|were|was)\s+(?:some\s+of|among|one\s+of)|among)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:singers|artists|vocalists|voices)\b"#
    )
    /// Roundup lines "Min Yeon Gi - Forever (⟨D⟩ OST)": artist, song, drama.
    private static let dashCredit = Pattern(
        #"^\s*"# + al + #"\s+-\s+⟨([NSQ])(\d+)⟩\s*\(\s*⟨D\d+⟩\s+(?:ost|original soundtrack)\s*\)\s*$"#)
    private static let soundtrackFeatures = Pattern(
        #"\b(?:osts?|soundtracks?|original soundtracks?)\b(?:\s+(?:of|for)\s+[^.;]{0,80}?)?(?:,?\s+(?:released|unveiled|dropped|out)\s+(?:on|in|last|this)\s+[^.;⟨]{0,30}?,?)?\s+(?:will\s+|also\s+|is set to\s+)*(?:feature|features|featured|include|includes|included|boast|boasts)\s+"#
            + al)
    /// "Part 1 'Paper Boat' by A and Part 2 'Dear' by B were released": each listed part is a credit.
    private static let partSongBy = Pattern(
        #"\bpart\s*\.?\s*(\d{1,2})\s*,?\s*⟨([SQ])(\d+)⟩\s*,?\s*(?:\([^)]*\)\s*)?(?:(?:sung|performed)\s+)?by\s+"# + al)
    /// "The track features singer X": a guest on the song just named.
    private static let trackFeatures = Pattern(
        #"^\s*(?:the\s+(?:track|song|ballad|single|number)|it)\s+(?:also\s+)?features\s+"# + al)
    private static let voiceOf = Pattern(
        al
            + #"\s+(?:is|are|was|were|will be|has been)\s+(?:the\s+)?(?:voice|voices|singer|singers|vocalist|artist|artists)\s+(?:of|for|behind)\b"#
    )
    private static let hedgedNext = Pattern(
        al + #"\s+(?:appear|appears|seem|seems|are expected|is expected)\s+to\s+be\s+(?:the\s+)?next"#)
    /// "A and B lend their voice", "recorded an OST of their own", "a duet": several singers, one song.
    private static let oneSong = Pattern(
        #"\b(?:duet|together|their\s+voice\b(?!s)|(?:an?|one)\s+(?:new\s+|brand-new\s+)?(?:ost|song|track|single|duet)\b)"#
    )
    private static let eachSings = Pattern(#"\beach\b|\brespective(?:ly)?\b|\bseparate\b"#)
    /// "the three ⟨N⟩ members A, B and C", "aespa members A and B": members of one group sing together.
    private static let membersList = Pattern(#"\bmembers\s+⟨[PN]\d+⟩"#)
    /// "X contributed to the OST as a song composer": a credit, not a performance.
    private static let creditAs = Pattern(
        #"\bas\s+(?:an?\s+|the\s+)?(?:song\s+)?(?:composer|lyricist|songwriter|producer|writer|arranger)s?\b"#)
    /// "the soundtrack of the BTS-based webtoon …": another medium's soundtrack.
    private static let otherMedium = Pattern(
        #"\b(?:osts?|soundtracks?)\s+(?:of|for)\s+(?:the\s+|a\s+|an\s+)?(?:(?:[\w-]+|⟨[A-Z]\d+⟩[\w-]*)\s+){0,3}?(?:webtoon|film|movie|game|musical|variety\s+show)\b"#
    )
    /// "… since the OST 'X' of ⟨D⟩": an earlier song.
    private static let pastSince = Pattern(
        #"\bsince\s+(?:the\s+|his\s+|her\s+|their\s+)?(?:osts?|songs?|tracks?|soundtracks?)\b"#)
    /// "'A' by X", "'A' (X)", "X's hit 'A'": the items of a list of earlier songs.
    private static let listedSongBy = Pattern(#"⟨([SQ])(\d+)⟩\s*,?\s+by\s+"# + al)
    private static let listedSongParens = Pattern(#"⟨([SQ])(\d+)⟩\s*\(\s*"# + al + #"\s*\)"#)
    private static let listedOwner = Pattern(
        "(" + ArticleContext.art + #")'s\s+(?:(?!(?:version|cover|remake|rendition|of)\b)[\w-]+\s+){0,2}?⟨([SQ])(\d+)⟩"#
    )
    /// Words before a song list that place it in the past: "previously released", "after A (X)".
    private static let listedEarlier = Pattern(
        #"\b(?:after|following|previous|previously|earlier|past|already)\b"#)
    private static let previously = Pattern(#"\bprevious(?:ly)?\b"#)
    private static let selfCredit = Pattern(
        #"\bwho\s+(?:also\s+)?(?:wrote|penned|co-wrote|composed|produced)\b[^.]{0,80}\b(?:herself|himself|themselves)\b"#
    )

    private static let partNumber = Pattern(#"\bpart\s*\.?\s*(\d{1,3})\b"#)
    private static let partDigits = Pattern(
        #"\b(\d{1,2})(?:st|nd|rd|th)\s+(?:ost|soundtrack|original soundtrack)\b(?!\s*(?:line-?up|batch|set|album|s\b))"#
    )
    private static let partWord = Pattern(
        #"(?<!\b(?:his|her|their|its|my)\s)\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth)\s+(?:ost|soundtrack|original soundtrack|part(?=\s+of\s+(?:the\s+)?(?:[\w-]+'s?\s+|⟨D\d+⟩(?:'s)?\s+)?(?:ost|soundtrack|original soundtrack)\b|\s*,?\s+(?:sung|performed)\s+by\b))\b(?!\s*(?:line-?up|batch|set|album|s\b|artists?|singers?|participants?))"#
    )
    /// "the fourth part of the ⟨D⟩ OST", "the 2nd single to the drama's soundtrack".
    private static let partOf = Pattern(
        #"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\d{1,2}(?:st|nd|rd|th))\s+(?:part|single|installment|instalment|release|track)\s+(?:of|to|for|from)\s+(?:the\s+)?(?:[\w’'-]+\s+|⟨D\d+⟩(?:['’]s)?\s+){0,4}?(?:ost|soundtrack|original soundtrack)\b"#
    )
    private static let songNear: [Pattern] = [
        Pattern(
            #"\b(?:ost|soundtrack|part\s*\.?\s*\d+|song|track|single|ballad|titled|called|named)\s*,?\s*(?:titled\s+|called\s+)?⟨([SQ])(\d+)⟩"#
        ),
        Pattern(#"⟨([SQ])(\d+)⟩\s*(?:\([^)]*\)\s*)?,?\s*(?:is|was|will be|has been)?\s*(?:sung|performed)\s+by"#),
        Pattern(#"⟨([SQ])(\d+)⟩\s*,?\s*(?:the\s+)?(?:[\w-]+\s+){0,2}(?:ost|part)\b"#),
    ]

    private static let future = Pattern(
        #"\b(?:will|to be|is set to|are set to|set to|scheduled to|slated to|going to|is to|are to|expected to|plans to|planning to|gears up|upcoming|soon|later this|will be)\b|\bto\s+(?:sing|lend|release|drop|unveil|participate|join|record)\b"#
    )
    private static let released = Pattern(
        #"\b(?:has|have|had)\s+(?:just\s+|finally\s+|officially\s+)?(?:been\s+)?(?:released|unveiled|dropped|revealed|out)\b|\b(?:was|were)\s+(?:officially\s+|finally\s+)?(?:released|unveiled|dropped)\b|\bis\s+(?:now\s+)?(?:out|available)\b|\bcame out\b|\bwent live\b|\bhit (?:music )?(?:platforms|sites|charts)\b|\bout now\b|\bnow available\b|\b(?:released|dropped|unveiled)\s+(?:on|at|via|through|today|yesterday|last)\b|\b(?:released|dropped|unveiled)\s+(?:its|the|her|his|their|⟨[SQ]\d+⟩)|^\s*(?:meanwhile,\s*)?released\b|\bfollowed\s+(?:on|in|last)\b"#
            + #"|\blent\s+(?:his|her|their)\s+(?:voices?|vocals)\b"#
            + #"|\b(?:is|are)\s+(?:now\s+|officially\s+)?released\b(?!\s+(?:next|later|tomorrow))"#
    )
    private static let participation = Pattern(
        #"\b(?:sing|sings|singing|lend|lends|lending|participat\w*|join\w*|take part|takes part|took part|line-?up|record\w*|voice|contribut\w*)\b"#
    )

    /// "hitmaker X", "the producing team X", "music director X" before a credited name.
    private static let creditRole =
        #"(?:(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:hitmaker|team|trio|duo|producer|composer|lyricist|songwriter|director|arranger)\s+)?"#
    private static let withSinger =
        #"\bwith\s+(?:(?:the\s+)?(?:singer|rapper|vocalist|group|girl group|boy group|band|duo|member|artist|idol|actor|actress|singer-songwriter)\s+)?(⟨[PN]\d+⟩(?:\s*(?:,\s*and|,|and|&)\s*⟨[PN]\d+⟩){0,3})"#
    private static let withSingerPattern = Pattern(withSinger)
    private static let composer: [Pattern] = [
        Pattern(#"\b(?:composed|co-composed|written and composed|composed and arranged)\s+by\s+"# + creditRole + al),
        Pattern(
            #"\b(?:composing|composition|the\s+music|the\s+melody)\s+(?:was|were)\s+(?:done|handled|made|written|created|taken care of)\s+by\s+"#
                + creditRole + al),
        Pattern(#"\bcomposers?\s+"# + al),
        Pattern(al + #",?\s+(?:who\s+)?(?:also\s+)?(?:composed|co-composed)\b"#),
    ]
    private static let lyricist: [Pattern] = [
        Pattern(#"\blyrics\s+(?:were\s+|was\s+)?(?:written\s+|penned\s+)?by\s+"# + creditRole + al),
        Pattern(
            al
                + #"[^⟨.]{0,40}?\b(?:co-wrote|wrote|penned|co-penned|co-written)\s+(?:the|its|his|her|their)\s+lyrics\s+(?:together\s+)?with\s+"#
                + creditRole + al),
        Pattern(
            al
                + #"\s+(?:not only\s+[^⟨.]{0,30}?\s+but\s+)?(?:also\s+)?(?:co-wrote|wrote|penned|co-penned)\s+(?:its|the|his|her|their)\s+lyrics"#
        ),
        Pattern(#"\blyricists?\s+"# + al),
        Pattern(#"\b(?:written and composed)\s+by\s+"# + al),
        Pattern(
            al
                + #",?\s+(?:who\s+)?(?:also\s+)?(?:participated|took part|joined|helped|was involved|were involved)\s+(?:in\s+|with\s+)?(?:writing|penning)\s+the\s+lyrics"#
        ),
        Pattern(al + #",?\s+(?:who\s+)?(?:also\s+)?(?:wrote|penned|co-wrote)\s+the\s+lyrics"#),
    ]
    private static let producer: [Pattern] = [
        Pattern(#"\b(?:produced|co-produced)\s+by\s+"# + creditRole + al),
        Pattern(#"\b(?:music\s+)?producers?\s+"# + al + #"(?=[^⟨]{0,40}\b(?:song|track|ost|ballad|produced)\b)"#),
        Pattern(al + #",?\s+who\s+(?:also\s+)?produced\b"#),
    ]
    private static let songIntro = Pattern(
        #"^\s*(?:titled|called|named)\s+⟨[SQ](\d+)⟩|^\s*⟨[SQ](\d+)⟩\s*,?\s+(?:is|was|will\s+be)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(?:ballad|song|track|number|single|tune|melody|duet)\b"#
    )
    private static let songReference = Pattern(
        #"^\s*(?:meanwhile,?\s+)?(?:the|this|that|the new|her|his|their)\s+(?:new\s+)?(?:track|song|single|ballad|ost|number|tune)\b|^\s*(?:it|the track|the song)\s+(?:was|will|is|has|came|dropped|arrived|followed)\b"#
    )

    static func extract(_ ctx: ArticleContext) -> [OSTRecord] {
        var records: [OSTRecord] = []
        var lastSong: (song: String, paragraph: Int, field: Evidence.Field)?
        var songKeys = Set<String>()
        var lastMain: Int?
        for sentence in ctx.sentences {
            let fullTemplate = ArticleContext.stripAsides(sentence.template)
            let sentenceHasCue = cue.contains(fullTemplate) || singFor.contains(fullTemplate)
            let sentenceDramas = ctx.dramaTokens(in: fullTemplate, sentence: sentence).filter { d in
                !epithet.matches(in: fullTemplate).contains { $0.range.overlaps(d.range) }
            }
            for clause in ArticleContext.clauses(fullTemplate) {
                let hasCue = cue.contains(clause) || singFor.contains(clause)
                let songTokens = ArticleContext.tokens(in: clause).filter { $0.kind == .song || $0.kind == .quote }
                // A quoted title already credited as a song in this article is a song here too.
                let explicitSong = songTokens.first {
                    $0.kind == .song || songKeys.contains(titleKey(sentence.mentions[$0.index].text))
                }.map { sentence.mentions[$0.index].text }
                // "The song, 'Tidewater', will be released…" names the song of the credit just read.
                if let s = explicitSong, songReference.contains(clause), let i = lastMain, records[i].song == nil,
                    records[i].evidence.paragraph >= sentence.sentence.paragraph - 1,
                    records[i].evidence.field == sentence.sentence.field
                {
                    records[i].song = s
                    songKeys.insert(titleKey(s))
                }
                // "Titled 'Tidewater', the song …", "'Tidewater' is a ballad about …": a quoted title
                // introduced as a song right after a credit without one.
                if let m = songIntro.firstMatch(in: clause),
                    let i = (m.group(1) ?? m.group(2)).flatMap(Int.init), let main = lastMain,
                    records[main].song == nil,
                    records[main].evidence.paragraph >= sentence.sentence.paragraph - 1,
                    records[main].evidence.field == sentence.sentence.field
                {
                    let title = sentence.mentions[i].text
                    records[main].song = title
                    songKeys.insert(titleKey(title))
                    lastSong = (title, sentence.sentence.paragraph, sentence.sentence.field)
                }
                if let s = explicitSong { lastSong = (s, sentence.sentence.paragraph, sentence.sentence.field) }

                // Credits and dates for a song named here or just before ("The track was released on…").
                var detail = OSTRecord(evidence: sentence.sentence, confidence: 0.8, isDetail: true)
                detail.song = explicitSong
                if detail.song == nil, songReference.contains(clause), let l = lastSong,
                    l.field == sentence.sentence.field, abs(l.paragraph - sentence.sentence.paragraph) <= 1
                {
                    detail.song = l.song
                }
                // Every credit pattern needs one of these words; checking for them first skips
                // the costly artist-list patterns on most clauses.
                let lower = clause.lowercased()
                if lower.contains("compos") || lower.contains("music") || lower.contains("melody") {
                    detail.composers = collect(composer, clause, sentence)
                }
                if lower.contains("lyric") || lower.contains("written and composed") {
                    detail.lyricists = collect(lyricist, clause, sentence)
                }
                if lower.contains("produc") { detail.producers = collect(producer, clause, sentence) }
                if let m = trackFeatures.firstMatch(in: clause) {
                    detail.featuring = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                }
                // "The lyrics were written by X" credits the song just discussed.
                if detail.song == nil, songTokens.isEmpty, let l = lastSong, l.field == sentence.sentence.field,
                    abs(l.paragraph - sentence.sentence.paragraph) <= 1,
                    !(detail.composers.isEmpty && detail.lyricists.isEmpty && detail.producers.isEmpty)
                {
                    detail.song = l.song
                }

                // "'A' by X, 'B' by Y and 'C' by Z", "after 'A' (X), 'B' (Y)": one credit per listed song,
                // also when the list recalls the drama's earlier songs ("previously released … include").
                if hasCue || sentenceHasCue, let listed = songList(ctx, clause, sentence, sentenceDramas) {
                    for one in listed {
                        if let s = one.song { songKeys.insert(titleKey(s)) }
                        records.append(one)
                    }
                    continue
                }

                if ArticleContext.isBackground(clause) || pastSince.contains(clause) { continue }
                // "Jungkook lent his voice to the soundtrack of the BTS-based webtoon …".
                if otherMedium.contains(clause), ctx.dramaTokens(in: clause, sentence: sentence).isEmpty { continue }

                if !hasCue && !(sentenceHasCue && !songTokens.isEmpty) {
                    if detail.song != nil {
                        let st = status(in: clause)
                        detail.status = st
                        detail.release = ctx.eventDate(in: clause, tense: st == "released" ? .past : .future)
                        if !detail.composers.isEmpty || !detail.lyricists.isEmpty || !detail.producers.isEmpty
                            || detail.release != nil || detail.status != nil || !detail.featuring.isEmpty
                        {
                            if detail.release == nil && songReference.contains(clause) == false
                                && detail.composers.isEmpty && detail.featuring.isEmpty
                                && detail.lyricists.isEmpty && detail.producers.isEmpty
                            {
                                continue
                            }
                            records.append(detail)
                        }
                    }
                    continue
                }

                var rec = OSTRecord(evidence: sentence.sentence, confidence: 0.9)
                // "Part 1 'A' by X and Part 2 'B' by Y were released": one credit per listed part.
                let listed = partSongBy.matches(in: clause)
                if listed.count >= 2, let drama = listDrama(ctx, clause, sentence, sentenceDramas) {
                    let st = status(in: clause)
                    for m in listed {
                        guard let n = Int(m.group(1)!), let i = Int(m.group(3)!) else { continue }
                        var one = OSTRecord(evidence: sentence.sentence, confidence: 0.8)
                        one.drama = drama
                        one.part = n
                        one.song = sentence.mentions[i].text
                        one.artists = ArticleContext.people(inList: m.group(4)!, sentence: sentence)
                        one.status = st
                        guard !one.artists.isEmpty else { continue }
                        songKeys.insert(titleKey(one.song!))
                        records.append(one)
                    }
                    continue
                }
                // Drama.
                var dramaConfidence = 1.0
                if let d = firstGroup(explicitDrama, clause).flatMap({ Int($0) }) {
                    rec.drama = sentence.mentions[d].text
                } else {
                    let local = ctx.dramaTokens(in: clause, sentence: sentence).filter { d in
                        !epithet.matches(in: clause).contains { $0.range.overlaps(d.range) }
                    }
                    if local.count == 1 {
                        rec.drama = local[0].surface
                        dramaConfidence = 0.9
                    } else if local.isEmpty, Set(sentenceDramas.map(\.key)).count == 1 {
                        rec.drama = sentenceDramas[0].surface
                        dramaConfidence = 0.88
                    } else if local.isEmpty, sentenceDramas.isEmpty,
                        let main = ctx.fallbackDrama(for: clause, requireReference: false)
                    {
                        rec.drama = ctx.dramaSurface[main]
                        dramaConfidence = sentence.sentence.isHeadline ? 0.8 : 0.87
                    }
                }
                // Artists.
                var artistConfidence = 0.0
                var hedged = false
                var lineupOnly = false
                var subjectFound = false
                var together = false
                var sungByFound = false
                if let m = dashCredit.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    if let i = Int(m.group(3)!) { rec.song = sentence.mentions[i].text }
                    artistConfidence = 0.8
                } else if let m = sungBy.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.95
                    sungByFound = true
                } else if let m = ownerOfSong.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    if let i = Int(m.group(3)!) { rec.song = sentence.mentions[i].text }
                    artistConfidence = 0.85
                } else if let m = songBy.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(3)!, sentence: sentence)
                    if let i = Int(m.group(2)!) { rec.song = sentence.mentions[i].text }
                    artistConfidence = 0.85
                } else if let m = ostBy.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.85
                } else if let m = soundtrackFeatures.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.85
                    lineupOnly = rec.artists.count > 1
                } else if let m = voiceOf.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.85
                } else if let m = hedgedNext.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.45
                    hedged = true
                } else if let m = lineup.firstMatch(in: clause) ?? lineupIncludes.firstMatch(in: clause)
                    ?? amongSingers.firstMatch(in: clause)
                {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.8
                    lineupOnly = true
                } else if let m = subject.firstMatch(in: clause) {
                    rec.artists = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
                    artistConfidence = 0.9
                    // A singer named as taking part, with no release reported, is an announcement.
                    lineupOnly = false
                    if !released.contains(clause) { hedged = false }
                    subjectFound = true
                    // "X took part in the OST with singer Y": both sing.
                    if let w = withSingerPattern.firstMatch(in: clause), w.range.lowerBound > m.range.upperBound {
                        together = true
                        for a in ArticleContext.people(inList: w.group(1)!, sentence: sentence)
                        where !rec.artists.contains(a) {
                            rec.artists.append(a)
                        }
                    }
                    // "A and B lend their voice", "the three ⟨N⟩ members A, B and C will sing": one song.
                    if rec.artists.count > 1, !eachSings.contains(clause),
                        oneSong.contains(clause) || membersList.contains(clause)
                    {
                        together = true
                    }
                    // "X contributed to the OST as a song composer": a credit, not a performance.
                    if creditAs.contains(clause) { rec.artists = [] }
                }
                // A credit line ("lyrics by X") is not a performance credit.
                let credited = Set(detail.composers + detail.lyricists + detail.producers)
                if artistConfidence < 0.95 {
                    // "'Wish' by X, who wrote the lyrics and produced the track herself" still credits X.
                    let selfCredited = selfCredit.contains(clause)
                    rec.artists.removeAll {
                        credited.contains($0) && !selfCredited
                            && !(detail.lyricists.contains($0) && lyricistIsSinger(clause))
                    }
                }
                rec.artists.removeAll { a in
                    sentence.mentions.contains { ($0.kind == .drama || $0.kind == .song) && $0.text == a }
                }

                // Song.
                if rec.song == nil {
                    if let i = firstGroup(songNear, clause, group: 2).flatMap({ Int($0) }) {
                        rec.song = sentence.mentions[i].text
                    } else if songTokens.count == 1 {
                        rec.song = sentence.mentions[songTokens[0].index].text
                    }
                }
                if let s = rec.song, let d = rec.drama, titleKey(s) == titleKey(d) { rec.song = nil }
                // 'Blue Hour (feat. Rael)' credits Rael too.
                if let s = rec.song, let m = sentence.mentions.first(where: { $0.text == s && !$0.featuring.isEmpty }) {
                    for a in m.featuring where !rec.artists.contains(a) { rec.artists.append(a) }
                }
                if rec.song == nil, detail.song != nil, songReference.contains(clause) { rec.song = detail.song }
                if let s = rec.song {
                    lastSong = (s, sentence.sentence.paragraph, sentence.sentence.field)
                    songKeys.insert(titleKey(s))
                }

                // Part.
                rec.part = part(in: clause)

                // Status and release.
                rec.status = status(in: clause)
                if rec.status == nil && (participation.contains(clause) || lineupOnly || hedged || subjectFound)
                    && !rec.artists.isEmpty
                {
                    rec.status = "announced"
                }
                rec.release = ctx.eventDate(in: clause, tense: rec.status == "released" ? .past : .future)
                rec.composers = detail.composers
                rec.lyricists = detail.lyricists
                rec.producers = detail.producers

                if rec.drama == nil || rec.artists.isEmpty {
                    // Without drama or singer this clause can still date or credit a known song.
                    if rec.song != nil || detail.song != nil {
                        var d = detail
                        d.song = rec.song ?? detail.song
                        d.part = rec.part
                        d.status = rec.status
                        d.release = rec.release
                        d.drama = rec.drama
                        d.artists = rec.artists
                        if d.drama != nil || d.release != nil || d.status != nil || !d.composers.isEmpty
                            || !d.lyricists.isEmpty || !d.producers.isEmpty || !d.artists.isEmpty
                        {
                            records.append(d)
                        }
                    }
                    continue
                }
                rec.confidence = min(0.97, artistConfidence * dramaConfidence)
                if sentence.sentence.isHeadline { rec.confidence = min(rec.confidence, 0.8) }
                // Several singers "taking part in the soundtrack" with no song or part named are a lineup.
                if rec.song == nil && rec.part == nil && rec.artists.count > 1 && !sungByFound && !together {
                    lineupOnly = true
                }
                if lineupOnly || hedged {
                    // Lineup members sing separate songs: one credit each.
                    for a in rec.artists {
                        var one = rec
                        one.artists = [a]
                        one.song = nil
                        one.part = nil
                        records.append(one)
                    }
                } else {
                    lastMain = records.count
                    records.append(rec)
                }
            }
        }
        return records
    }

    private static func listDrama(
        _ ctx: ArticleContext, _ clause: String, _ sentence: AnalyzedSentence,
        _ sentenceDramas: [(key: String, surface: String, range: Range<String.Index>)]
    ) -> String? {
        let local = ctx.dramaTokens(in: clause, sentence: sentence)
        if Set(local.map(\.key)).count == 1 { return local[0].surface }
        if local.isEmpty, Set(sentenceDramas.map(\.key)).count == 1 { return sentenceDramas[0].surface }
        if local.isEmpty, sentenceDramas.isEmpty, let main = ctx.fallbackDrama(for: clause, requireReference: false) {
            return ctx.dramaSurface[main]
        }
        return nil
    }

    /// The credits of a clause listing two or more songs with their singers ("'A' by X, 'B' by Y",
    /// "'A' (X), 'B' (Y)", "X's hit 'A', Y's 'B'"), or nil. Part lists are `partSongBy`'s.
    private static func songList(
        _ ctx: ArticleContext, _ clause: String, _ sentence: AnalyzedSentence,
        _ sentenceDramas: [(key: String, surface: String, range: Range<String.Index>)]
    ) -> [OSTRecord]? {
        guard partSongBy.matches(in: clause).count < 2 else { return nil }
        var items: [(range: Range<String.Index>, song: Int, artists: String)] = []
        for m in listedSongBy.matches(in: clause) {
            if let i = Int(m.group(2)!) { items.append((m.range, i, m.group(3)!)) }
        }
        for m in listedSongParens.matches(in: clause) where !items.contains(where: { $0.range.overlaps(m.range) }) {
            if let i = Int(m.group(2)!) { items.append((m.range, i, m.group(3)!)) }
        }
        for m in listedOwner.matches(in: clause) where !items.contains(where: { $0.range.overlaps(m.range) }) {
            if let i = Int(m.group(3)!) { items.append((m.range, i, m.group(1)!)) }
        }
        guard items.count >= 2 else { return nil }
        if ArticleContext.isBackground(clause) {
            // Only "previously" makes it background, and no title is named: the drama's own earlier songs.
            let rest = previously.re.stringByReplacingMatches(
                in: clause, options: [], range: NSRange(clause.startIndex..., in: clause), withTemplate: "")
            guard !ArticleContext.isBackground(rest), ctx.dramaTokens(in: clause, sentence: sentence).isEmpty else {
                return nil
            }
        }
        guard let drama = listDrama(ctx, clause, sentence, sentenceDramas) else { return nil }
        items.sort { $0.range.lowerBound < $1.range.lowerBound }
        let before = String(clause[..<items[0].range.lowerBound])
        let st = listedEarlier.contains(before) ? "released" : status(in: clause)
        var out: [OSTRecord] = []
        for item in items {
            var one = OSTRecord(evidence: sentence.sentence, confidence: 0.75)
            one.drama = drama
            one.song = sentence.mentions[item.song].text
            one.artists = ArticleContext.people(inList: item.artists, sentence: sentence)
            one.status = st
            guard !one.artists.isEmpty, titleKey(sentence.mentions[item.song].text) != titleKey(drama) else { continue }
            out.append(one)
        }
        return out.count >= 2 ? out : nil
    }

    private static func lyricistIsSinger(_ clause: String) -> Bool {
        clause.range(of: "sung by", options: .caseInsensitive) != nil
    }

    static func status(in clause: String) -> String? {
        if future.contains(clause) {
            return "announced"
        }
        if released.contains(clause) { return "released" }
        return nil
    }

    static func part(in clause: String) -> Int? {
        var parts = Set<Int>()
        for m in partNumber.matches(in: clause) {
            if let n = Int(m.group(1)!), (1...999).contains(n) { parts.insert(n) }
        }
        if parts.isEmpty {
            for m in partOf.matches(in: clause) {
                let w = m.group(1)!.lowercased()
                if let n = Gazetteer.ordinals[w] ?? Int(w.prefix { $0.isNumber }) { parts.insert(n) }
            }
        }
        if parts.isEmpty {
            for m in partDigits.matches(in: clause) { if let n = Int(m.group(1)!) { parts.insert(n) } }
            for m in partWord.matches(in: clause) {
                if let n = Gazetteer.ordinals[m.group(1)!.lowercased()] { parts.insert(n) }
            }
        }
        return parts.count == 1 ? parts.first : nil
    }

    private static func collect(_ patterns: [Pattern], _ clause: String, _ sentence: AnalyzedSentence) -> [String] {
        var out: [String] = []
        for p in patterns {
            for m in p.matches(in: clause) {
                for g in 1..<m.result.numberOfRanges {
                    guard let list = m.group(g) else { continue }
                    for n in ArticleContext.people(inList: list, sentence: sentence) where !out.contains(n) {
                        out.append(n)
                    }
                }
            }
        }
        return out
    }

    private static func firstGroup(_ patterns: [Pattern], _ clause: String, group: Int = 1) -> String? {
        for p in patterns {
            if let m = p.firstMatch(in: clause), let g = m.group(group) { return g }
        }
        return nil
    }
}
