import Foundation

/// A casting credit as read from one clause, before merging and name resolution.
struct CastingRecord: Sendable {
    var drama: String
    var person: String
    var role: String?
    var roleType: String?
    var status: String?
    var evidence: Sentence
    var confidence: Double
}

/// Agency answers and cancellations change the status of credits read elsewhere in the article.
enum StatusOverride: Sendable {
    case inTalks(person: String?)
    case undecided(person: String?)
    case confirmed(person: String?)
    /// The agency says the person "received the offer": a reported offer is an offer.
    case offerConfirmed(person: String)
    case cancelled(drama: String, people: [String], evidence: Sentence)
    /// "The agency denied reports that X will star": X has no credit.
    case denied(person: String)
    /// "Leads X and Y", "supporting actor Z": the role type of a credit read elsewhere.
    case roleType(person: String, type: String)
}

/// Reads casting news: "X has been confirmed to star in Y", "X is positively reviewing the offer",
/// "X dropped out of Y", "Y has been scrapped".
enum CastingPatterns {
    static let al = ArticleContext.artList
    /// A cast list whose names may each carry a parenthesis ("A (⟨D1⟩), B and C (Role)"); read it with
    /// `castList(_:_:)`, which drops what the parentheses hold.
    static let alParens =
        "(" + ArticleContext.art
        + #"(?:\s*\([^()]{1,60}\))?(?:\s*(?:,\s*and|,?\s*along\s+with|,?\s*alongside|,|and|&)\s*"#
        + ArticleContext.art
        + #"(?:\s*\([^()]{1,60}\))?){0,8})(?:,?\s+and\s+(?:many\s+)?(?:more|others)\b|,?\s+among\s+others\b)?"#
    static let aux =
        #"(?:(?:has|have|had|is|are|was|were|will|would|also|officially|finally|recently|already|reportedly|currently|now|all|both|been|be|set to|slated to|expected to|likely to|going to|decided to|to|also|eventually|ultimately|reportedly|in the end|just|said|reported|rumou?red|understood|known|believed|to be|on\s+\w+day|meanwhile,|however,)\s+){0,7}"#

    private struct Cue {
        let status: String
        let pattern: Pattern
        let confidence: Double
    }

    /// "X (…), who …, has been cast", "X, 33, has scored the lead": the subject, its asides, then the verb.
    private static func subjectCue(_ body: String) -> Pattern {
        Pattern(
            #"(?:^|[,:"(]\s*|--\s*|\s-\s+|\bthat\s+|\bwhen\s+|\bafter\s+|\bas\s+|\bwhere\s+|\bwhile\s+)\s*"# + alParens
                + #"(?:\s*\([^)]*\))?(?:,\s*\d{1,2}(?=\s*,))?(?:,\s*who\s+[^,;⟨]{0,60}(?:⟨[DQ]\d+⟩[^,;⟨]{0,20})?,)?,?\s+(?:who\s+)?"#
                + aux
                + "(?:" + body + ")")
    }

    /// Ordered from the most to the least decisive; the first cue that matches a clause wins.
    private static let cues: [Cue] = [
        Cue(
            status: "withdrawn",
            pattern: subjectCue(
                #"stepp(?:ed|ing)\s+down|steps?\s+down|dropp(?:ed|ing)\s+out|drops?\s+out|withdr[ae]w|withdrawn|withdrawing|withdraws?|left\s+the\s+(?:project|drama|series|production|cast|show)|leaves?\s+(?:the\s+)?(?:project|drama|series|production|cast|⟨D)|leaving\s+(?:the\s+)?(?:project|drama|series|⟨D)|exit(?:s|ed|ing)?\s+(?:from\s+)?(?:the\s+)?(?:project|drama|series|⟨D)|bow(?:s|ed)?\s+out|pull(?:s|ed)?\s+out|quit(?:s)?\s+(?:the\s+)?(?:project|drama|series|⟨D)|(?:been\s+)?replaced|no\s+longer\s+(?:appear|star|play|participate|be\s+(?:a\s+)?part\s+of)|(?:been\s+|was\s+|were\s+)?removed\s+from\b"#
            ), confidence: 0.9),
        Cue(
            status: "declined",
            pattern: subjectCue(
                #"declined|declines|turned\s+down|turns\s+down|passed\s+on|passes\s+on|rejected\s+the\s+(?:offer|role)|refused|decided\s+not\s+to|will\s+not\s+(?:appear|star|join)|won't\s+(?:appear|star|join)|(?:confirmed\s+to\s+)?opt(?:s|ed|ing)?\s+out\b|had\s+to\s+turn\s+down|will\s+not\s+be\s+able\s+to\s+(?:star|appear|join|participate|take\s+part)|(?:will\s+not|won't)\s+be\s+(?:participating|appearing|starring|joining)"#
            ),
            confidence: 0.88),
        Cue(
            status: "in_talks",
            pattern: subjectCue(
                #"(?:in\s+(?:early\s+|final\s+|positive\s+)?(?:talks|discussions?|negotiations?))|positively\s+(?:reviewing|considering)|(?:reviewing|considering|mulling|weighing)\s+(?:the\s+|an\s+|a\s+|his\s+|her\s+)?(?:offer|appearance|role|casting|proposal|project|drama|script|lead|it)|negotiating|discussing|(?:supposedly\s+)?being\s+(?:considered|courted)\s+(?:for|to|as)\b(?![^.]{0,40}\b(?:awards?|prizes?|nominations?|daesang|trophy|endorsements?|commercials?|ads?)\b)|being\s+discussed\s+(?:as|for)\b|one\s+of\s+(?:the\s+)?(?:[\w-]+\s+)?candidates\s+for\s+(?:the\s+|a\s+)?(?:[\w-]+\s+){0,2}?(?:role|lead|part|character|heroine|hero|protagonist)\b"#
            ), confidence: 0.85),
        Cue(
            status: "confirmed",
            pattern: subjectCue(
                #"confirmed\s+(?:to|as|for|(?:his|her|their)\s+(?:appearance|casting|participation))|(?:been\s+)?cast\s+(?:in|as|for)|(?:star|stars|starring|appear|appears|appearing|play|plays|playing|portray|portrays|portraying|lead|leads|headline|headlines|return|returns|join|joins|joined|joining|take\s+on|takes\s+on|taking\s+on|make\s+a\s+(?:special\s+)?(?:cameo|(?:special|guest)\s+appearance)|makes\s+a\s+(?:special\s+)?(?:cameo|(?:special|guest)\s+appearance)|board|boards|boarded)\b|signed\s+on|(?:been\s+)?tapped|transform(?:s|ed)?\s+into|lends?\s+support|lending\s+support|(?:take|takes|took|taking)\s+over\s+(?:the|his|her|their)\s+(?:role|part|character)|(?:been\s+)?cast\s+to\s+(?:replace|fill)|(?<=been\s)cast\b|(?:land|lands|landed|landing|score|scores|scored|scoring|bag|bags|bagged|bagging)\s+(?:the\s+|a\s+|an\s+|his\s+|her\s+)?(?:(?:lead|main|title|leading|supporting|big|major|starring|key|titular)\s+)*role|(?:assume|assumes|assumed|assuming)\s+the\s+(?:major|main|lead|leading|title|starring)\s+roles?\b|finalized|confirmed\b|casting\s+(?:has\s+been|was|is)\s+(?:confirmed|finalized)"#
            ), confidence: 0.9),
        Cue(
            status: "offered",
            pattern: subjectCue(
                #"(?:received|receives|got|gets)\s+(?:an?\s+|the\s+)?(?:casting\s+)?offer|(?:been\s+)?offered|(?:been|was|were)\s+approached\s+(?:for|to)\b"#
            ),
            confidence: 0.85),
    ]

    private static let castingOf = Pattern(
        #"\b(?:casting|cast|participation|appearance)\s+of\s+"# + al
            + #"[^.]{0,80}?\b(?:confirmed|finalized|announced|officially)\b|\b(?:confirmed|finalized|announced)\s+(?:the\s+)?(?:casting|participation|appearance)\s+of\s+"#
            + al)
    private static let starring = Pattern(
        #"(?:⟨D\d+⟩|\bthe\s+(?:new\s+|upcoming\s+)?(?:drama|series))\s*(?:\([^)]*\))?,?\s+(?:(?:an?|the)\s+(?:[\w-]+\s+){0,4}?(?:drama|series|romance|rom-com|thriller|comedy|melodrama|sageuk|show)\s+)?(?:(?:is|was|will be)\s+)?(?:(?:also\s+)?(?:starring|which stars|that stars|(?:which|that)\s+also\s+stars|stars|will\s+(?:also\s+)?star)|led by|headlined by|fronted by)\s+"#
            + al)
    /// "The cast includes X, Y and Z": a present-tense cast rundown ("included" is background).
    /// Also "the other cast of the drama includes", "the cast lineup features", "the ensemble includes".
    private static let castIncludes = Pattern(
        #"\b(?:the\s+|its\s+)?(?:(?:other|main|official|supporting|star-studded|ensemble|lead|leading|dream|full)\s+){0,2}(?:cast(?:\s+members|\s+line-?up)?|ensemble(?:\s+cast)?)(?:\s+of\s+(?:the\s+)?(?:drama|series|⟨D\d+⟩))?\s+(?:also\s+|will\s+(?:also\s+)?)?(?:includes?|features?|consists?\s+of|comprises|is\s+made\s+up\s+of|is\s+rounded\s+out\s+by)\s+"#
            + alParens)
    /// "The drama has the dream cast: X, Y and Z" (present tense: "had a stellar cast" is the original's).
    private static let hasCast = Pattern(
        #"\b(?:has|have|boasts|boast)\s+(?:a|an|the|its)\s+(?:[\w-]+\s+){0,2}?cast(?:\s+line-?up)?\s*:\s*"# + alParens)
    /// "X (…) is another late addition to the cast".
    private static let additionToCast = Pattern(
        #"(?:^|[,:"(]\s*|\bthat\s+)"# + al
            + #"(?:\s*\([^()]*\))?,?\s+(?:is|was|will\s+be|has\s+been)\s+(?:also\s+)?(?:another|a|an|the\s+(?:latest|newest|last|final))\s+(?:(?:late|new|surprise|latest|exciting|notable|last-minute)\s+)?addition\s+to\s+(?:the\s+(?:[\w-]+\s+)?cast|⟨D\d+⟩'s\s+cast)\b"#
    )
    /// The subject after the verb: "Joining ⟨P⟩ in the drama are A and B", "Also joining the cast is X",
    /// "Rounding out the cast are A and B". Group 1 is the cast list.
    private static let invertedJoin = Pattern(
        #"^\s*(?:(?:meanwhile|additionally|also|and),?\s+)?(?:(?:also\s+)?joining\s+(?:⟨[PN]\d+⟩"#
            + #"(?:\s*(?:,\s*and|,|and|&)\s*⟨[PN]\d+⟩){0,3}|the\s+(?:[\w-]+\s+)?cast|them|him|her)"#
            + #"|rounding\s+out\s+the\s+(?:[\w-]+\s+)?cast"#
            // "Reprising their roles in the lead positions were A and B", "Set to lead the series
            // is X", "Also starring in this K-drama are A and B".
            + #"|reprising\s+(?:their|his|her)\s+roles?(?:\s+[^,.⟨]{0,40}?)?"#
            + #"|set\s+to\s+(?:lead|star\s+in|headline)\s+(?:the\s+|this\s+)?(?:[\w-]+\s+){0,3}?(?:drama|series|k-drama|project|⟨D\d+⟩)"#
            + #"|also\s+starring(?:\s+in\s+(?:the|this)\s+(?:[\w-]+\s+){0,2}?(?:drama|series|k-drama))?)"#
            + #"(?:\s+(?:in|for|on)\s+(?:the\s+|this\s+)?(?:[\w-]+\s+){0,3}?(?:drama|series|project|⟨D\d+⟩))?"#
            + #",?\s+(?:are|is|will\s+be|were|was|includes?)\s+"#
            + #"(?:(?:south\s+)?korean\s+)?(?:(?:actors?|actress(?:es)?|newcomers?|veteran\s+actors?|the\s+[\w-]+)\s+)?"#
            + alParens)
    /// "It stars several major actors, including A, B and C", "starring top stars like A and B".
    private static let quantifiedCast = Pattern(
        #"\b(?:star|stars|starring|feature|features|featuring|cast\s+includes)\s+(?:(?:several|many|some|top|major|big|an?\s+ensemble\s+of|a\s+host\s+of|a\s+number\s+of)\s+)?(?:[\w-]+\s+){0,3}?(?:actors|actresses|stars|names|cast\s+members|idols|talents)(?:\s+(?:from|of)\s+[^,.]{0,30}?)?,?\s+(?:including|like|such\s+as)\s+"#
            + alParens)
    /// "Starring A and B, ⟨D⟩ tells the story of …": a cast list that opens the clause.
    private static let frontedStarring = Pattern(
        #"^\s*(?:also\s+)?(?:starring|featuring)\s+(?:(?:lead|leading)\s+)?(?:(?:actors?|actress(?:es)?)\s+)?"#
            + alParens)
    /// "The official lineup includes X, Y and Z": read as a cast list only outside soundtrack talk
    /// (the caller checks this sentence and the one before it), since an OST lineup is a singer list.
    private static let lineupIncludes = Pattern(
        #"(?:\b(?:the|its)\s+|⟨D\d+⟩'s\s+)(?:(?:official|main|full|final|star-studded)\s+)?line-?up(?:\s+of\s+(?:the\s+)?(?:drama|series|⟨D\d+⟩))?\s+(?:also\s+|will\s+(?:also\s+)?)?(?:includes?|features?|consists?\s+of|comprises)\s+"#
            + alParens)
    /// Verbs that make the drama the subject of a cast list: "also stars", "will feature", "is starring".
    /// Bare "stars" after a title is left out: "⟨D⟩ stars A and B reunite" uses it as a noun.
    private static let castVerb =
        #"(?:also\s+(?:stars|features)|will\s+(?:also\s+)?(?:star|feature)|is\s+set\s+to\s+(?:also\s+)?(?:star|feature)|is\s+(?:also\s+)?(?:starring|featuring),?)"#
    /// "The drama is directed by X and stars …": the creator's credit before the cast.
    private static let creatorAside =
        #"\s+(?:is|was)\s+(?:directed|written|helmed|penned|produced|created)\s+by\s+[^,;]{0,80}?\s+and"#
    /// "The melodrama (…), set to air next year, also stars …".
    private static let subjectAside = #"(?:\s*\([^)]*\))?(?:,[^,]{0,60},)?"#
    /// "⟨D⟩ (…), set to air next year, will also star", "⟨D⟩ is directed by X and stars": group 1 is the token.
    private static let titleSubject: String =
        #"⟨D(\d+)⟩"# + subjectAside + #"(?:\s+"# + castVerb + "|" + creatorAside
        + #"\s+(?:also\s+)?(?:stars|features)|\s+features|,\s*featuring)"#
    /// "The melodrama …", "This time-slip series …", "It …" (group 2), then the verb.
    private static let nounSubject: String =
        #"(?:\b(?:the|this)\s+(?:⟨[WL]\d+⟩(?:'s)?\s+)?(?:(?!(?:variety|talk|reality|music|survival|audition|cooking|film|movie|web|documentary)\b)[\w-]+\s+){0,3}?(?:drama|k-drama|series|melodrama|thriller|rom-com|sageuk)|^\s*(?:(?:meanwhile|additionally|also|besides|moreover|plus|now),?\s+)?(it))"#
        + subjectAside + "(?:" + creatorAside + #")?(?:\s+(?:"# + castVerb + #"|stars|features)|,\s*featuring)"#
    /// "The melodrama, set to air next year, also stars A and B", "It will feature A, B and C", "⟨D⟩ will
    /// also star A": the drama is the subject. Group 1 is the title's token, group 2 "it", group 3 the list.
    private static let dramaSubject = Pattern(
        "(?:" + titleSubject + "|" + nounSubject
            + #")\s+(?:real-life\s+couple\s+|(?:a\s+)?special\s+appearances?\s+(?:by|from)\s+(?:singer\s+and\s+actor\s+|singer-actor\s+)?|(?:an?\s+)?(?:special\s+)?cameos?\s+(?:by|from)\s+)?"#
            + alParens)
    /// "The characters will be played by A, B and C", "a diverse set of characters, played by A and B":
    /// a cast list with no character token before the verb (that case is `playedBy`).
    private static let genericPlayedBy = Pattern(
        #"(?:\bthe\s+(?:[\w-]+\s+){0,2}?(?:characters?|roles?|leads?|protagonists?)|\bcharacters)(?:\s+of\s+(?:the\s+)?(?:drama|series|⟨D\d+⟩))?(?:,\s*|\s+(?:will\s+be|is|are)\s+)(?:played|portrayed)\s+by\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?"#
            + alParens)
    /// "A (⟨D⟩)": a parenthesis of nothing but titles after a name holds that person's past work.
    private static let creditParens = Pattern(#"(⟨[PN]\d+⟩)\s*\((?:\s*(?:⟨D\d+⟩|,|and|&|(?:19|20)\d{2}))+\s*\)"#)
    /// "W has been cast to replace X", "in place of X": X has left the production.
    private static let replacedPerson = Pattern(
        #"\b(?:replace|replaces|replacing|in\s+place\s+of|fill(?:s|ing)?\s+in\s+for|step(?:s|ping)?\s+in\s+for|stepped\s+in\s+for)\s+"#
            + al)
    /// "X has been replaced by W": W takes the part.
    private static let replacedBy = Pattern(#"\breplaced\s+by\s+"# + al)
    /// Words that make a report explicitly second-hand, even for "in talks".
    private static let explicitReport = Pattern(
        #"\breportedly\b|\b(?:is|are|was|were)\s+reported\s+to\b|\brumou?red\b|\ballegedly\b|\bsupposedly\b|\breports?\s+(?:claimed|claim|claims|suggested|suggest)\b"#
    )
    /// "The agency said it is not true": a denial that names nobody answers the sentence before it.
    private static let bareDenial = Pattern(
        #"\b(?:agency|agencies|representative|rep|label|side|official|spokesperson|management)\b[^.]{0,80}\b(?:(?:it|this|that|the\s+(?:report|rumou?r|news))\s+(?:is|was)\s+(?:not\s+true|untrue|false|groundless|baseless)|(?:den(?:y|ies|ied)|refuted|dismissed)\s+(?:it|the\s+(?:report|rumou?r|news|claim)s?)\b)"#
    )
    private static let looseStarring = Pattern(#"(?<!'s\s)\bstarring\s+"# + al)
    /// "with X leading the show as …": an absolute clause naming the lead.
    private static let withLeading = Pattern(
        #"\bwith\s+"# + al
            + #"\s+(?:leading|starring|headlining|fronting|playing|portraying|taking\s+on|in\s+the\s+(?:lead|title)\s+role)\b"#
    )
    /// "The production team is in talks with actor X": talks reported from the production side.
    private static let talksWith = Pattern(
        #"(?:\b(?:team|company|producers?|production|broadcaster|network|channel|side|staff)|⟨[WLO]\d+⟩)(?:\s+(?:of|for|behind)\s+[^.,;]{0,40}?)?\s+(?:is|are|has been|have been|was|were)\s+(?:currently\s+|reportedly\s+)?(?:in\s+(?:early\s+|final\s+|positive\s+)?(?:talks|discussions?|negotiations?)|negotiating|discussing)\s+with\s+"#
            + al)
    /// "If he accepts, X would play …": a role under offer, not a confirmation.
    private static let conditional = Pattern(
        #"\bif\s+(?:he|she|they|⟨[PN]\d+⟩)\s+accepts?\b|\bwould\s+(?:play|star|portray|take\s+on|lead|appear)\b"#)
    /// "Agency denies reports that X will star in …".
    private static let denial = Pattern(
        #"\b(?:den(?:y|ies|ied)|refuted|refutes|dismissed|dismisses)\b[^.]{0,40}\b(?:reports?|rumou?rs?|claims?|speculation)\b|\b(?:report|rumou?r)\s+is\s+(?:not\s+true|false|groundless)"#
    )
    private static let leadsNamed = Pattern(
        #"(?:^|[,;:]\s*|\b(?:the|two|both|as)\s+)(?:male\s+|female\s+)?leads?\s+(?:actors?\s+|actress(?:es)?\s+|stars?\s+)?"#
            + al)
    private static let supportingNamed = Pattern(
        #"\bsupporting\s+(?:actors?|actress(?:es)?|cast\s+members?|players?)\s+"# + al)
    /// "X and Y … as A, …, and B" / "playing botanist A and detective B": roles in list order.
    private static let respectiveCue = Pattern(
        #"(?:^|[,:"(]\s*)"# + al + #"[^⟨.;]{0,80}?\b(?:as|playing|play|plays|portraying|portray)\s+"#)
    private static let playedBy = Pattern(
        #"⟨([PNQ])(\d+)⟩,?\s+(?:(?:who\s+)?(?:is|are|will\s+be)\s+)?(?:(?:the|a)\s+(?:role|character|part)\s+)?(?:played|portrayed|taken)\s+by\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?"#
            + al)
    /// "a romance about Shin Ha-ri (Kim Se-jeong)", "So Rang (played by Park Ji-hu)": a character, then
    /// the actor. Group 1 is the character's token, group 2 "played by", group 3 the actor's token.
    private static let roleParens = Pattern(
        #"⟨[PN](\d+)⟩\s*\((?:((?:played|portrayed)\s+by)\s+(?:(?:actor|actress)\s+)?)?⟨P(\d+)⟩\)"#)
    private static let ownDrama = Pattern(
        al + #"'s\s+(?:new|upcoming|next|latest)\s+(?:[\w-]+\s+){0,3}?(?:drama|series)\s*,?\s*⟨D(\d+)⟩"#)

    /// Lowercase or title words between a role verb and the character ("plays convenience store clerk
    /// ⟨P⟩", "as Crown Prince ⟨P⟩"), never a word that introduces someone else ("alongside ⟨P⟩").
    private static let roleWords =
        #"(?:(?:the|a|an|his|her|their|⟨[PN]\d+⟩'s)\s+)?(?:(?!(?:alongside|with|opposite|against|and|or|in|of|for|to|from|by|at|on|who|while|than|well|such|including|both|together|also|is|was|will|has)\b)[\w-]+,?\s+|and\s+(?=[\w-]+,?\s)){0,5}?"#
    private static let roleAfter = [
        Pattern(#"\b(?:as|role\s+of|character\s+of|character|named)\s+⟨([PNQ])(\d+)⟩(?!'s)"#),
        Pattern(#"\btransform(?:s|ed|ing)?\s+into\s+⟨([PNQ])(\d+)⟩(?!'s)"#),
        Pattern(
            #"\b(?:play|plays|playing|played|portray|portrays|portraying|take\s+on|takes\s+on|taking\s+on|took\s+on|star\s+as|stars\s+as|starring\s+as|cast\s+as|appear\s+as|appears\s+as|lead\s+role\s+of|(?:lead|leading|main|title|supporting)\s+role\s+as)\s+(?:the\s+(?:[\w-]+\s+){0,2}?(?:role|character|part)\s+of\s+)?"#
                + roleWords + #"⟨([PNQ])(\d+)⟩(?!'s)"#),
        Pattern(
            #"\bas\s+(?!well\b)(?:the\s+(?:second\s+)?(?:male|female|main)?\s*(?:lead|protagonist|heroine|hero|villain),?\s+)?"#
                + roleWords + #"⟨([PNQ])(\d+)⟩(?!'s)"#),
        Pattern(
            #"\b(?:offer|offered|cast|casting)\s+(?:for|as)\s+the\s+(?:male\s+|female\s+|main\s+|title\s+)?(?:lead|role)(?:\s+role)?(?:\s+of)?,?\s+"#
                + roleWords + #"⟨([PNQ])(\d+)⟩(?!'s)"#),
        Pattern(
            #"\bas\s+the\s+(?:second\s+)?(?:male|female|main)?\s*(?:lead|protagonist|heroine|hero|villain),?\s+⟨([PNQ])(\d+)⟩"#
        ),
        Pattern(
            #"\b(?:play|plays|playing|portray|portrays|portraying|take\s+on|takes\s+on|taking\s+on)\s+(?:the\s+(?:role|character)\s+of\s+|the\s+(?:male|female|main|lead)\s+(?:lead|role|character),?\s+)?⟨([PNQ])(\d+)⟩"#
        ),
    ]
    private static let lead = Pattern(
        #"\b(?:(?:male|female|main|the|a|as)\s+(?:lead|leading)(?:\s+(?:role|character|actor|actress))?|main\s+(?:role|character)|protagonist|title\s+role|leading\s+(?:role|man|lady)|starring\s+role|headline|headlines|lead\s+role|lead\s+roles|(?:the|as|two|both)\s+leads|assum(?:e|es|ed|ing)\s+the\s+(?:major|main|lead|leading)\s+roles?)\b|\b(?:lead|leads|leading|headline|headlines|headlining|front|fronts|fronting)\s+(?:the\s+)?(?:show|series|drama|cast|project|⟨[DLW]\d+⟩)"#
    )
    private static let secondLead = Pattern(#"\bsecond(?:\s+male|\s+female)?\s+lead"#)
    private static let supporting = Pattern(#"\bsupporting\b"#)
    private static let cameo = Pattern(#"\bcameo\b"#)
    private static let special = Pattern(#"\bspecial\s+(?:appearance|role|guest)|\bguest\s+appearance"#)
    private static let specialCameo = Pattern(#"\bspecial\s+cameo"#)
    private static let lendsSupport = Pattern(#"\b(?:lends?|lending|lent)\s+support\b"#)

    private static let hedge = Pattern(
        #"^\s*\[?(?:report|reports|exclusive|rumou?r)s?\]?\s*[:|\]]|\breportedly\b|\bis reported to\b|\bare reported to\b|\bit (?:was|has been|is) reported\b|\baccording to (?:the\s+)?(?:broadcasting|entertainment|film|drama|music|tv)\s+industry|\baccording to (?:industry\s+)?(?:insiders?|sources?|reports?|media reports?|multiple reports|an?\s+(?:insider|source|industry))|\brumou?r|\bspeculat|\ballegedly\b|\bsupposedly\b|\bis said to\b|\bare said to\b|\b(?:was|were|has been|have been|is|are)\s+reported\s+(?:on\s+\w+\s+)?to\b|\bsources say\b|\breports?\s+(?:claimed|claims|suggested|suggests)\b|\bindustry insiders?\b|\bexclusive(?:ly)?\s+report|\baccording to ⟨O\d+⟩(?!\s*(?:entertainment|agency))"#
    )
    private static let agencyOrg = Pattern(#"\baccording to (?:(?:his|her|their)\s+agency|⟨O\d+⟩)"#)

    private static let agencyAnswer = Pattern(
        #"\b(?:agency|agencies|representative|rep|label|side|official|source from|spokesperson|management)\b"#)
    private static let reviewing = Pattern(
        #"\b(?:positively\s+)?(?:reviewing|considering|review|consider|in talks|discussing|looking into)\b|\btalks\s+are\s+(?:going|progressing|underway|ongoing)|\bpositive\s+direction\b"#
    )
    private static let undecided = Pattern(
        #"\bnothing\s+(?:has\s+been\s+|is\s+)?(?:decided|confirmed|finalized|set)|\bnot\s+(?:yet\s+)?(?:been\s+)?(?:decided|confirmed|finalized|determined)|\bundecided\b|\bno\s+(?:decision|confirmation)\b"#
    )
    private static let agencyOffer = Pattern(
        #"\b(?:received|receives|got|has\s+been\s+offered|was\s+offered)\s+(?:an?\s+|the\s+)?(?:casting\s+)?(?:offer|role)\b"#
    )
    private static let agencyConfirms = Pattern(
        #"\b(?:it is true|is true that|confirmed that)\b[^.]{0,80}\b(?:will\s+(?:appear|star|play|join)|cast)\b"#)
    private static let cancel = Pattern(
        #"(?:⟨D(\d+)⟩|\bthe\s+(?:drama|series|project|production|show|remake))\s*(?:\([^)]*\))?,?(?:\s+[^⟨.]{0,60}?)?\s+(?:has|have|had)?\s*(?:been\s+|was\s+|is\s+|were\s+|got\s+)?(?:officially\s+|ultimately\s+|eventually\s+|reportedly\s+)?(?:cancell?ed|scrapped|shelved|called\s+off|axed|canned|fell\s+through|fallen\s+through|falls\s+through)\b|\b(?:cancell?ation|scrapping|shelving)\s+of\s+(?:the\s+)?(?:drama\s+|series\s+)?⟨D(\d+)⟩|\bdecided\s+to\s+(?:cancel|scrap|shelve)\s+(?:the\s+)?(?:drama\s+|series\s+|project\s+)?(?:⟨D(\d+)⟩)?"#
    )

    /// "X joins the OST lineup" is not casting.
    private static let musicContext = Pattern(
        #"\b(?:osts?|sound ?tracks?|sing|sings|sang|singing|song|vocals?|voice|lyrics)\b"#)
    /// Song words `musicContext` leaves out; the cast-list rules without a person subject ("it features
    /// A and B") also stay away from them.
    private static let trackContext = Pattern(
        #"\b(?:tracks?|albums?|melod(?:y|ies)|ballads?|duets?|mv|music\s+video|playlist)\b"#)

    static func extract(_ ctx: ArticleContext) -> (records: [CastingRecord], overrides: [StatusOverride]) {
        var records: [CastingRecord] = []
        var overrides: [StatusOverride] = []
        for (sentenceIndex, original) in ctx.sentences.enumerated() {
            // "He withdrew from the project", "the 26-year-old will play …": the one person of the
            // sentence or two before.
            let sentence = resolvingPronoun(original, in: ctx, at: sentenceIndex)
            // "'Itaewon Class' actor X", "X, who led ⟨D⟩, …": titles that only describe a person are dropped.
            // "A as well as B" joins a list; read as "and", so that "as B" is never a role.
            let template = ArticleContext.stripAsides(ArticleContext.withoutModifierTitles(sentence.template))
                .replacingOccurrences(of: #"\s+as\s+well\s+as\s+"#, with: " and ", options: .regularExpression)
            // "The second OST is out. It features A and B": the sentence before decides what "it" is.
            let previousMusic =
                sentenceIndex > 0
                && (musicContext.contains(ctx.sentences[sentenceIndex - 1].template)
                    || trackContext.contains(ctx.sentences[sentenceIndex - 1].template))
            let sentenceMusic = musicContext.contains(template) || trackContext.contains(template)
            let sentenceHedged = hedge.contains(template) && !agencyOrg.contains(template)

            // Agency answers ("nothing has been decided", "positively reviewing").
            if agencyAnswer.contains(template) || template.contains("\"") {
                let named = ArticleContext.tokens(in: template).first { $0.kind == .person }.map {
                    sentence.mentions[$0.index].text
                }
                if undecided.contains(template) {
                    overrides.append(reviewing.contains(template) ? .inTalks(person: named) : .undecided(person: named))
                } else if agencyConfirms.contains(template) {
                    overrides.append(.confirmed(person: named))
                } else if agencyAnswer.contains(template), agencyOffer.contains(withQuotes(template, sentence)),
                    let who = ArticleContext.tokens(in: template).first(where: {
                        $0.kind == .person || $0.kind == .name
                    })
                {
                    overrides.append(.offerConfirmed(person: sentence.mentions[who.index].text))
                }
            }
            if denial.contains(template) {
                // The denied credit names the person after "that": "denies reports that X will star".
                let afterThat = template.range(of: "that ").map { String(template[$0.upperBound...]) } ?? template
                if let t = ArticleContext.tokens(in: afterThat).first(where: { $0.kind == .person || $0.kind == .name })
                {
                    overrides.append(.denied(person: sentence.mentions[t.index].text))
                }
                continue
            }
            if bareDenial.contains(template),
                !ArticleContext.tokens(in: template).contains(where: { $0.kind == .person || $0.kind == .name })
            {
                // "A report claimed X will star … The agency said it is not true."
                let order = sentence.sentence.order
                for r in records
                where r.status == "rumored" && !r.evidence.isHeadline && r.evidence.order >= order - 2
                    && r.evidence.order < order
                {
                    overrides.append(.denied(person: r.person))
                }
                continue
            }
            if !ArticleContext.isBackground(template) {
                for (p, type) in [(leadsNamed, "lead"), (supportingNamed, "supporting")] {
                    for m in p.matches(in: template) {
                        for person in ArticleContext.people(inList: m.group(1)!, sentence: sentence) {
                            overrides.append(.roleType(person: person, type: type))
                        }
                    }
                }
            }
            // Cancellation.
            if let m = cancel.firstMatch(in: template), !ArticleContext.isBackground(template) {
                let idx = [1, 2, 3].compactMap { m.group($0).flatMap { Int($0) } }.first
                let drama = idx.map { sentence.mentions[$0].text } ?? ctx.mainDrama.flatMap { ctx.dramaSurface[$0] }
                if let drama {
                    var people: [String] = []
                    if let s = starring.firstMatch(in: template) {
                        people = ArticleContext.people(inList: s.group(1)!, sentence: sentence)
                    }
                    overrides.append(.cancelled(drama: drama, people: people, evidence: sentence.sentence))
                }
            }

            let respective = respectiveRoles(template, sentence)
            for clause in ArticleContext.clauses(template) {
                if ArticleContext.isBackground(clause) { continue }
                let music = musicContext.contains(clause)
                // "A (⟨D1⟩) will star in ⟨D2⟩": the title after the name is past work, not the clause's drama.
                let local = ctx.dramaTokens(in: withoutCreditParens(clause), sentence: sentence)
                let sentenceDramas = ctx.dramaTokens(in: withoutCreditParens(template), sentence: sentence)
                var drama: String?
                var dramaConfidence = 1.0
                // The one drama of the sentence or two before, unless the clause speaks of another work.
                let carried: String? =
                    local.isEmpty && sentenceDramas.isEmpty && !sentence.sentence.isHeadline
                        && !ArticleContext.namesAnotherWork(clause)
                    ? carriedDrama(ctx, before: sentenceIndex) : nil
                // "The drama" is the article's drama, unless the article names many and the sentence
                // before names another.
                let fallback = ctx.castingFallbackDrama(for: clause)
                if Set(local.map(\.key)).count == 1 {
                    drama = local[0].surface
                } else if local.isEmpty, Set(sentenceDramas.map(\.key)).count == 1 {
                    drama = sentenceDramas[0].surface
                    dramaConfidence = 0.9
                } else if let carried,
                    fallback.map({ ctx.dramaCount > 2 && $0 != titleKey(carried) }) ?? true
                {
                    drama = carried
                    dramaConfidence = 0.8
                } else if local.isEmpty, sentenceDramas.isEmpty,
                    let main = ctx.castingFallbackDrama(for: clause)
                {
                    drama = ctx.dramaSurface[main]
                    dramaConfidence = 0.85
                } else if local.isEmpty, sentenceDramas.isEmpty, !sentence.sentence.isHeadline,
                    let only = ctx.onlyDrama(for: clause)
                {
                    drama = ctx.dramaSurface[only]
                    dramaConfidence = 0.75
                }
                // "The melodrama, set to air next year, also stars A and B", "It will feature A, B and C":
                // the subject is the drama, so a title elsewhere in the clause is not the credit's drama.
                var subjectCast: [String] = []
                if !music, !trackContext.contains(clause), let m = dramaSubject.firstMatch(in: clause),
                    m.group(2) == nil || !previousMusic
                {
                    var subject: String?
                    if let token = m.group(1), let i = Int(token) {
                        subject = sentence.mentions[i].text
                    } else if let main = ctx.mainDrama, let surface = ctx.dramaSurface[main] {
                        subject = surface
                    } else {
                        subject = drama
                    }
                    if let subject {
                        if subject != drama {
                            drama = subject
                            dramaConfidence = m.group(1) == nil ? 0.85 : 1.0
                        }
                        subjectCast = castList(m.group(3)!, sentence)
                    }
                }
                // "The official lineup includes A, B and C": the cast of the article's drama, unless this
                // sentence or the one before it is about the soundtrack.
                var lineupCast: [String] = []
                if !music, !sentenceMusic, !previousMusic, let m = lineupIncludes.firstMatch(in: clause) {
                    let listed = castList(m.group(1)!, sentence)
                    if listed.count >= 2 {
                        if drama == nil, let main = ctx.mainDrama {
                            drama = ctx.dramaSurface[main]
                            dramaConfidence = 0.8
                        }
                        lineupCast = listed
                    }
                }
                guard let drama else { continue }
                let hedged = sentenceHedged

                var found: [(people: [String], status: String, confidence: Double)] = []
                if !music, let m = castingOf.firstMatch(in: clause) {
                    let list = m.group(1) ?? m.group(2) ?? ""
                    found.append((ArticleContext.people(inList: list, sentence: sentence), "confirmed", 0.9))
                }
                if found.isEmpty && !music {
                    for cue in cues {
                        if let m = cue.pattern.firstMatch(in: clause) {
                            let ppl = castList(m.group(1)!, sentence)
                            // "offered … and is positively reviewing": the later, stronger answer wins.
                            var status = cue.status
                            if status == "offered",
                                cues[2].pattern.contains(clause)
                                    || clause.range(of: "positively", options: .caseInsensitive) != nil
                            {
                                status = "in_talks"
                            }
                            found.append((ppl, status, cue.confidence))
                            break
                        }
                    }
                }
                if found.isEmpty, !music, let m = withLeading.firstMatch(in: clause) {
                    found.append((ArticleContext.people(inList: m.group(1)!, sentence: sentence), "confirmed", 0.85))
                }
                if found.isEmpty, !music, let m = talksWith.firstMatch(in: clause) {
                    found.append((ArticleContext.people(inList: m.group(1)!, sentence: sentence), "in_talks", 0.8))
                }
                if found.isEmpty, !music, let m = starring.firstMatch(in: clause) {
                    found.append((ArticleContext.people(inList: m.group(1)!, sentence: sentence), "confirmed", 0.7))
                }
                if found.isEmpty, !subjectCast.isEmpty {
                    found.append((subjectCast, "confirmed", 0.7))
                }
                if found.isEmpty, !music, let m = castIncludes.firstMatch(in: clause) {
                    found.append((castList(m.group(1)!, sentence), "confirmed", 0.75))
                }
                if found.isEmpty, !music, let m = hasCast.firstMatch(in: clause) {
                    found.append((castList(m.group(1)!, sentence), "confirmed", 0.75))
                }
                if found.isEmpty, !music, let m = invertedJoin.firstMatch(in: clause) {
                    found.append((castList(m.group(1)!, sentence), "confirmed", 0.75))
                }
                if found.isEmpty, !music, let m = quantifiedCast.firstMatch(in: clause) {
                    found.append((castList(m.group(1)!, sentence), "confirmed", 0.7))
                }
                if found.isEmpty, !music, let m = frontedStarring.firstMatch(in: clause) {
                    found.append((castList(m.group(1)!, sentence), "confirmed", 0.7))
                }
                if found.isEmpty, !music, let m = additionToCast.firstMatch(in: clause) {
                    found.append((ArticleContext.people(inList: m.group(1)!, sentence: sentence), "confirmed", 0.75))
                }
                if found.isEmpty, !lineupCast.isEmpty {
                    found.append((lineupCast, "confirmed", 0.65))
                }
                // "…, starring actors X and Y": a cast list for the drama the article is about.
                if found.isEmpty, !music, titleKey(drama) == ctx.mainDrama, let m = looseStarring.firstMatch(in: clause)
                {
                    found.append((ArticleContext.people(inList: m.group(1)!, sentence: sentence), "confirmed", 0.65))
                }
                if found.isEmpty, let m = ownDrama.firstMatch(in: clause) {
                    found.append((ArticleContext.people(inList: m.group(1)!, sentence: sentence), "confirmed", 0.55))
                }
                if found.isEmpty, !music, !trackContext.contains(clause),
                    let m = genericPlayedBy.firstMatch(in: clause)
                {
                    found.append((castList(m.group(1)!, sentence), "confirmed", 0.6))
                }
                var roleFor: [String: String] = [:]
                if let m = playedBy.firstMatch(in: clause), let i = Int(m.group(2)!) {
                    let ppl = ArticleContext.people(inList: m.group(3)!, sentence: sentence)
                    if ppl.count == 1 {
                        roleFor[ppl[0]] = sentence.mentions[i].text
                        if !found.contains(where: { $0.people.contains(ppl[0]) }) {
                            found.append((ppl, "confirmed", 0.6))
                        }
                    }
                }
                // "… between Shin Ha-ri (Kim Se-jeong) and …": plot summaries name the actor after the
                // character, also in soundtrack talk ("the song plays when A (B) confesses").
                for m in roleParens.matches(in: clause) {
                    guard let o = Int(m.group(1)!), let i = Int(m.group(3)!) else { continue }
                    let character = sentence.mentions[o].text
                    let actor = sentence.mentions[i].text
                    // A name credited elsewhere or already known is the actor: "Kim Soo-hyun (Baek Hyun-woo)".
                    guard characterThenActor(character, actor, playedBy: m.group(2) != nil),
                        !ctx.knownPeopleKeys.contains(nameKey(character)),
                        !found.contains(where: { $0.people.contains(character) }),
                        !records.contains(where: { $0.person == character })
                    else { continue }
                    if roleFor[actor] == nil { roleFor[actor] = character }
                    if !found.contains(where: { $0.people.contains(actor) }) {
                        found.append(([actor], "confirmed", 0.6))
                    }
                }
                guard !found.isEmpty else { continue }
                if !music {
                    // "W has been cast to replace X": X is out; "X was replaced by W": W is in.
                    let named = Set(found.flatMap(\.people))
                    if found.contains(where: { $0.status == "confirmed" }),
                        let m = replacedPerson.firstMatch(in: clause)
                    {
                        let out = ArticleContext.people(inList: m.group(1)!, sentence: sentence).filter {
                            !named.contains($0)
                        }
                        if !out.isEmpty { found.append((out, "withdrawn", 0.75)) }
                    }
                    if found.contains(where: { $0.status == "withdrawn" }), let m = replacedBy.firstMatch(in: clause) {
                        let incoming = ArticleContext.people(inList: m.group(1)!, sentence: sentence).filter {
                            !named.contains($0)
                        }
                        if !incoming.isEmpty { found.append((incoming, "confirmed", 0.8)) }
                    }
                }

                let roleType = self.roleType(in: clause)
                var role: String?
                for p in roleAfter {
                    if let m = p.firstMatch(in: clause), let i = Int(m.group(2)!) {
                        role = sentence.mentions[i].text
                        break
                    }
                }
                for f in found {
                    for person in f.people {
                        if person == role || titleKey(person) == titleKey(drama) { continue }
                        var status = f.status
                        var confidence = f.confidence * dramaConfidence
                        var roleOnly = false
                        if status == "confirmed" && conditional.contains(clause) {
                            // "If he accepts, X would play Y": keep the role, not a confirmation.
                            roleOnly = true
                        }
                        if hedged
                            && (status == "confirmed" || status == "offered"
                                || (status == "in_talks" && explicitReport.contains(clause)))
                        {
                            status = "rumored"
                            confidence = min(confidence, 0.75)
                        } else if hedged {
                            confidence *= 0.8
                        }
                        if sentence.sentence.isHeadline { confidence = min(confidence, 0.8) }
                        records.append(
                            CastingRecord(
                                drama: drama, person: person,
                                role: roleFor[person] ?? respective[person] ?? (f.people.count == 1 ? role : nil),
                                roleType: roleType, status: roleOnly ? nil : status, evidence: sentence.sentence,
                                confidence: confidence))
                    }
                }
            }
        }
        return (records, overrides)
    }

    private static let parenthesis = Pattern(#"\s*\([^()]*\)"#)

    /// Whether "A (B)" reads as character A played by B. Without "played by", B must be a full Korean
    /// name and A a name of two words or more; A must never be a known performer ("IU (Lee Ji-eun)",
    /// "Rain (Jung Ji-hoon)" give the performer first).
    static func characterThenActor(_ character: String, _ actor: String, playedBy: Bool) -> Bool {
        guard titleKey(character) != titleKey(actor) else { return false }
        if !playedBy {
            let characterWords = character.split(whereSeparator: { $0 == " " || $0 == "-" })
            let actorWords = actor.split(separator: " ")
            guard characterWords.count >= 2, actorWords.count >= 2,
                Gazetteer.surnames.contains(String(actorWords[0]))
            else { return false }
        }
        return KnowledgeBase.index.people[KnowledgeBase.words(character).joined(separator: " ")] == nil
    }

    /// The one drama named in the one or two sentences before (same field, same or previous
    /// paragraph), leaving out background sentences and titles that only describe a person.
    static func carriedDrama(_ ctx: ArticleContext, before index: Int) -> String? {
        let current = ctx.sentences[index].sentence
        var i = index - 1
        while i >= 0, i >= index - 2 {
            let s = ctx.sentences[i]
            guard s.sentence.field == current.field, current.paragraph - s.sentence.paragraph <= 1 else {
                return nil
            }
            let template = withoutCreditParens(
                ArticleContext.stripAsides(ArticleContext.withoutModifierTitles(s.template)))
            if !ArticleContext.isBackground(template) {
                let dramas = ctx.dramaTokens(in: template, sentence: s)
                if Set(dramas.map(\.key)).count > 1 { return nil }
                if let only = dramas.first { return only.surface }
            }
            i -= 1
        }
        return nil
    }

    /// A subject pronoun or epithet that opens a clause ("He", "that she", "the 36-year-old
    /// actor"), in a sentence that names no person.
    private static let pronounSubject = Pattern(
        #"(?:^|\bthat\s+|\bas\s+|,\s+)(?:[A-Z][a-z]+,\s+)?(he|she|He|She|[Tt]he\s+\d{2}-year-old(?:\s+(?:k-pop\s+|K-pop\s+)?(?:actor|actress|singer|idol|star|rapper))?)(?=\s+(?:has|had|is|was|will|would|also|recently|reportedly|officially|finally|eventually|voluntarily|then|already|decided|confirmed|declined|turned|withdrew|stepped|dropped|joined|joins|plays|stars|landed|received|accepted|could|may|might|\w+ed\b))"#,
        caseSensitive: true)

    /// The sentence with its subject pronoun read as the one person named in the (non-headline)
    /// sentence or two before; unchanged when that person is not unique.
    static func resolvingPronoun(_ sentence: AnalyzedSentence, in ctx: ArticleContext, at index: Int)
        -> AnalyzedSentence
    {
        guard !sentence.sentence.isHeadline,
            !ArticleContext.tokens(in: sentence.template).contains(where: { $0.kind == .person || $0.kind == .name }),
            let m = pronounSubject.firstMatch(in: sentence.template), let pronoun = m.groupRange(1)
        else { return sentence }
        var people: [Mention] = []
        for back in [index - 1, index - 2] where back >= 0 {
            let earlier = ctx.sentences[back]
            guard !earlier.sentence.isHeadline else { break }
            people = earlier.mentions.filter { $0.kind == .person }
            if !people.isEmpty { break }
        }
        guard let person = people.first, Set(people.map { nameKey($0.text) }).count == 1 else { return sentence }
        var resolved = sentence
        resolved.mentions.append(Mention(kind: .person, text: person.text, range: NSRange(location: 0, length: 0)))
        resolved.template.replaceSubrange(pronoun, with: "⟨P\(resolved.mentions.count - 1)⟩")
        return resolved
    }

    /// The people of a list read with `alParens`, leaving out what its parentheses hold ("A (⟨D1⟩, Role)").
    static func castList(_ list: String, _ sentence: AnalyzedSentence) -> [String] {
        let bare = parenthesis.re.stringByReplacingMatches(
            in: list, options: [], range: NSRange(list.startIndex..., in: list), withTemplate: "")
        return ArticleContext.people(inList: bare, sentence: sentence)
    }

    /// The text without "(⟨D⟩)" after names, for choosing the drama a clause is about.
    static func withoutCreditParens(_ text: String) -> String {
        creditParens.re.stringByReplacingMatches(
            in: text, options: [], range: NSRange(text.startIndex..., in: text), withTemplate: "$1")
    }

    /// The template with quoted phrases ("⟨Q⟩") spelled out, for answers quoted word for word.
    static func withQuotes(_ template: String, _ sentence: AnalyzedSentence) -> String {
        var out = template
        for t in ArticleContext.tokens(in: template).reversed() where t.kind == .quote {
            out.replaceSubrange(t.range, with: sentence.mentions[t.index].text)
        }
        return out
    }

    /// Roles given in the order of a cast list: "X and Y lead the cast as A, …, and B".
    static func respectiveRoles(_ template: String, _ sentence: AnalyzedSentence) -> [String: String] {
        guard let m = respectiveCue.firstMatch(in: template) else { return [:] }
        let people = ArticleContext.people(inList: m.group(1)!, sentence: sentence)
        guard people.count >= 2 else { return [:] }
        var rest = String(template[m.range.upperBound...])
        if let cut = rest.range(of: #",\s*(?:who|which|whose)\b|;"#, options: .regularExpression) {
            rest = String(rest[..<cut.lowerBound])
        }
        let roles = ArticleContext.tokens(in: rest).filter { t in
            guard t.kind == .person || t.kind == .name || t.kind == .quote else { return false }
            let before = rest[rest.startIndex..<t.range.lowerBound].suffix(6).lowercased()
            if before.range(of: #"\b(?:in|at|from|of|with|by|to)\s$"#, options: .regularExpression) != nil {
                return false
            }
            return !rest[t.range.upperBound...].hasPrefix("'s")
        }
        guard roles.count == people.count else { return [:] }
        var out: [String: String] = [:]
        for (p, r) in zip(people, roles) { out[p] = sentence.mentions[r.index].text }
        return out
    }

    static func roleType(in clause: String) -> String? {
        if specialCameo.contains(clause) { return "cameo" }
        if special.contains(clause) { return "special" }
        if cameo.contains(clause) { return "cameo" }
        if secondLead.contains(clause) { return nil }
        if supporting.contains(clause) || lendsSupport.contains(clause) { return "supporting" }
        if lead.contains(clause) { return "lead" }
        return nil
    }
}
