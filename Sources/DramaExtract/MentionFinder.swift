import Foundation

/// Titles the article itself has taught us (quoted once, then written bare) plus the known list.
struct ArticleLexicon: Sendable {
    /// Quoted titles classified for the whole article, by `titleKey`.
    var quoteKinds: [String: MentionKind] = [:]
    /// Drama titles to look for without quotes, longest first.
    var bareDramaTitles: [String] = [] {
        didSet { bareDramaPatterns = bareDramaTitles.map(MentionFinder.bareTitlePattern) }
    }
    /// Known people and groups to look for as names.
    var knownPeople: [String] = [] {
        didSet { knownPeoplePatterns = knownPeople.filter { $0.count >= 2 }.map(MentionFinder.knownPersonPattern) }
    }
    /// The patterns of the two lists, compiled once per article: compiling them for every
    /// sentence was a fifth of extraction time.
    private(set) var bareDramaPatterns: [Pattern] = []
    private(set) var knownPeoplePatterns: [Pattern] = []
}

/// A sentence with its mentions and its template: the text with each mention replaced by a token
/// such as `⟨P2⟩`, so that patterns speak about roles ("⟨P⟩ will sing … for ⟨D⟩") rather than spellings.
struct AnalyzedSentence: Sendable {
    var sentence: Sentence
    var mentions: [Mention]
    var template: String

    func mention(token: String) -> Mention? {
        guard let i = Int(token.dropFirst()), i < mentions.count else { return nil }
        return mentions[i]
    }
}

enum MentionFinder {
    static let tokenPattern = Pattern(#"⟨([PNDSWLOQ])(\d+)⟩"#, caseSensitive: true)

    private static let koreanName = Pattern(
        #"(?<![\p{L}\p{N}'’-])((?i:"# + Gazetteer.surnames.sorted { $0.count > $1.count }.joined(separator: "|")
            + #"))\s((?:[A-Z][a-z]{1,6}|[a-z]{2,6}(?=-))(?:-(?:[A-Za-z][a-z]{0,6}|[A-Z]{2,6}))?)(?:\s([A-Z][a-z]{1,5}))?(?![\p{L}\p{N}])"#,
        caseSensitive: true)
    private static let syllable = Pattern(
        #"^(?:(?:[bcdghjklmnprstwy]{0,3}(?:a|ae|ai|e|ee|ei|eo|eu|i|ie|o|oe|oh|oo|ou|u|ui|wa|wae|we|wi|wo|ya|yae|ye|yeo|yo|yoo|yu|ea|ue|uh|eh)(?:ng|n|m|l|k|p|t|r|b|h|ck|kk)?)){1,2}$"#
    )
    private static let capitalRun = Pattern(
        #"(?<![\p{L}\p{N}])(?:\([A-Z]\))?[\p{Lu}\p{N}][\p{L}\p{N}&+!\-.]*(?:['’][a-rt-z][\p{L}]*)?(?:\s(?:\([A-Z]\))?[\p{Lu}\p{N}][\p{L}\p{N}&+!\-.]*){0,4}"#,
        caseSensitive: true)
    private static let networkPattern = Pattern(
        #"(?<![\p{L}\p{N}])(tvN Story|tvN|KBS ?2TV|KBS ?1TV|KBS2|KBS1|KBS Joy|KBS|MBC every1|MBC|SBS|JTBC|ENA|MBN|TV ?Chosun|TV CHOSUN|Channel A|OCN|Mnet|EBS|Genie TV|U\+ Mobile TV)(?![\p{L}\p{N}])"#,
        caseSensitive: false)
    private static let platformPattern = Pattern(
        #"(?<![\p{L}\p{N}])(Netflix|Disney\+|Disney Plus|TVING|Wavve|Coupang Play|Rakuten Viki|Viki|Amazon Prime Video|Prime Video|Amazon Prime|Apple TV\+|iQIYI|Viu|Kocowa\+?|Hulu|WeTV|Watcha|HBO Max|Naver TV|KakaoTV|Kakao TV|Vidio)(?![\p{L}\p{N}])"#,
        caseSensitive: false)

    private static let groupMember = Pattern(
        #"(?<![\p{L}\p{N}])([A-Z][A-Z0-9&]{1,7})['’]s?\s+([A-Z][a-z]{1,10}|[A-Z])(?![\p{L}\p{N}'’-]|\s+[A-Z][a-z])"#,
        caseSensitive: true)

    static func bareTitlePattern(_ title: String) -> Pattern {
        let escaped = NSRegularExpression.escapedPattern(for: title).replacingOccurrences(of: "\\ ", with: "\\s+")
        return Pattern(#"(?<![\p{L}\p{N}])"# + escaped + #"(?![\p{L}\p{N}])"#)
    }

    static func knownPersonPattern(_ person: String) -> Pattern {
        // "Girls' Generation" is also printed "Girls’ Generation".
        let escaped = NSRegularExpression.escapedPattern(for: person).replacingOccurrences(
            of: "\\-", with: "[-\\s]?"
        ).replacingOccurrences(of: "\\ ", with: "[-\\s]?").replacingOccurrences(of: "\\'", with: "'")
            .replacingOccurrences(of: "'", with: "['’]")
        return Pattern(#"(?<![\p{L}\p{N}])"# + escaped + #"(?![\p{L}\p{N}])"#)
    }

    static func analyze(_ sentence: Sentence, lexicon: ArticleLexicon) -> AnalyzedSentence {
        let text = sentence.text
        let ns = text as NSString
        let full = NSRange(location: 0, length: ns.length)
        var mentions: [Mention] = []
        func free(_ r: NSRange) -> Bool { !mentions.contains { NSIntersectionRange($0.range, r).length > 0 } }

        for q in QuoteFinder.spans(in: text) {
            let key = titleKey(q.inner)
            if let kind = lexicon.quoteKinds[key] {
                mentions.append(
                    Mention(kind: kind, text: q.inner, range: q.outer, quoted: true, featuring: q.featuring))
            } else if QuoteFinder.looksLikeTitle(q.inner) {
                mentions.append(
                    Mention(kind: .quote, text: q.inner, range: q.outer, quoted: true, featuring: q.featuring))
            }
        }
        for p in lexicon.bareDramaPatterns {
            for m in p.re.matches(in: text, range: full) where free(m.range) {
                let surface = ns.substring(with: m.range)
                // Bare titles must be capitalized in running text to count.
                guard surface.first?.isUppercase == true || surface.first?.isNumber == true else { continue }
                mentions.append(Mention(kind: .drama, text: surface, range: m.range))
            }
        }
        for m in networkPattern.re.matches(in: text, range: full) where free(m.range) {
            let surface = ns.substring(with: m.range)
            let canonical =
                Gazetteer.networks[surface.lowercased().replacingOccurrences(of: " ", with: "")]
                ?? Gazetteer.networks[surface.lowercased()] ?? surface
            // "tvn"/"mbc" in lowercase is not the channel in prose; require its usual casing.
            guard surface.first?.isUppercase == true || surface.hasPrefix("tv") else { continue }
            mentions.append(Mention(kind: .network, text: canonical, range: m.range))
        }
        for m in platformPattern.re.matches(in: text, range: full) where free(m.range) {
            let surface = ns.substring(with: m.range)
            guard surface.first?.isUppercase == true || surface.hasPrefix("iQ") else { continue }
            let canonical = Gazetteer.platforms[surface.lowercased()] ?? surface
            mentions.append(Mention(kind: .platform, text: canonical, range: m.range))
        }
        // "Yook Sungjae": a known one-word stage name inside a full Korean name is that name, not
        // a stray surname before a stage name.
        let fullNames = koreanName.re.matches(in: text, range: full).compactMap {
            validKoreanName($0, in: ns, sentenceStart: $0.range.location == 0)
        }
        for p in lexicon.knownPeoplePatterns {
            for m in p.re.matches(in: text, range: full) where free(m.range) {
                if fullNames.contains(where: {
                    $0.length > m.range.length && $0.location < m.range.location
                        && NSMaxRange($0) >= NSMaxRange(m.range)
                }) {
                    continue
                }
                let surface = ns.substring(with: m.range)
                guard surface.first?.isUppercase == true || surface.first?.isNumber == true else { continue }
                mentions.append(Mention(kind: .person, text: surface, range: m.range))
            }
        }
        // "BTS' V", "B2ST's Yoseob": after an all-caps group's possessive, the next capitalized word
        // is a member's stage name, however short.
        for m in groupMember.re.matches(in: text, range: full) where free(m.range(at: 2)) {
            let group = ns.substring(with: m.range(at: 1))
            let member = ns.substring(with: m.range(at: 2))
            guard Gazetteer.networks[group.lowercased()] == nil, !["OST", "KST", "TV", "PD", "CEO"].contains(group),
                !Gazetteer.notNames.contains(member.lowercased()) || member.count <= 2
            else { continue }
            mentions.append(Mention(kind: .person, text: member, range: m.range(at: 2)))
        }
        for r in fullNames {
            guard free(r) else { continue }
            mentions.append(Mention(kind: .person, text: ns.substring(with: r), range: r))
        }
        for m in capitalRun.re.matches(in: text, range: full) {
            for piece in splitRun(m.range, in: ns) where free(piece.range) {
                mentions.append(piece)
            }
        }
        mentions.sort { $0.range.location < $1.range.location }
        for i in mentions.indices where mentions[i].kind == .drama {
            numberSeason(
                &mentions[i], in: ns, next: i + 1 < mentions.count ? mentions[i + 1].range.location : ns.length)
        }
        return AnalyzedSentence(sentence: sentence, mentions: mentions, template: template(for: ns, mentions: mentions))
    }

    /// "'Taxi Driver' season 2", "the third season of 'Taxi Driver'", "Tale of the Nine Tailed 1938":
    /// a season or sequel number names its own drama ("Taxi Driver 3", as news and databases
    /// title sequels). A number written right after a bare title joins it; after a quoted one
    /// only "season N" does.
    private static let seasonAfter = Pattern(#"^\s+(?:[Ss]eason\s+|S)(\d{1,2})(?![\p{L}\p{N}])"#, caseSensitive: true)
    private static let numberAfter = Pattern(
        #"^\s+(\d{1,2}|(?:19|20)\d{2})(?![\p{L}\p{N}.,:-]|\s*(?:episodes?|eps?\b|%|years?|days?|hours?|minutes?|percent|million|billion|p\.m|a\.m|pm\b|am\b|kst|st\b|nd\b|rd\b|th\b))"#,
        caseSensitive: false)
    private static let seasonBefore = Pattern(
        #"(?:^|\s)(?:the\s+)?(second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th)\s+(?:season|installment|instalment)\s+of\s+(?:the\s+)?(?:[\w+]+['’]s?\s+)?(?:(?:hit|popular|drama|series)\s+)?$"#,
        caseSensitive: false)
    private static let ordinals = ["second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6]

    private static func numberSeason(_ mention: inout Mention, in ns: NSString, next: Int) {
        let end = NSMaxRange(mention.range)
        guard end <= next else { return }
        let after = ns.substring(with: NSRange(location: end, length: min(next, ns.length) - end))
        let titleEndsInNumber = mention.text.last?.isNumber == true
        if let m = seasonAfter.firstMatch(in: after), let n = m.group(1), !titleEndsInNumber {
            if n != "1" { mention.text += " " + n }
            mention.range.length += (m.value as NSString).length
            return
        }
        if !mention.quoted, !titleEndsInNumber, let m = numberAfter.firstMatch(in: after), let n = m.group(1),
            n != "1"
        {
            mention.text += " " + n
            mention.range.length += (m.value as NSString).length
            return
        }
        let before = ns.substring(to: mention.range.location)
        if !titleEndsInNumber, let m = seasonBefore.firstMatch(in: String(before.suffix(80))),
            let word = m.group(1)?.lowercased()
        {
            let n = ordinals[word] ?? Int(word.prefix { $0.isNumber }) ?? 0
            if n >= 2 { mention.text += " \(n)" }
        }
    }

    /// Checks a "Surname Given[-Given] [Given]" candidate and returns the range to keep.
    private static func validKoreanName(_ m: NSTextCheckingResult, in ns: NSString, sentenceStart: Bool) -> NSRange? {
        let surname = ns.substring(with: m.range(at: 1))
        guard surname.first?.isUppercase == true else { return nil }
        let surnameTitle = surname.prefix(1) + surname.dropFirst().lowercased()
        guard Gazetteer.surnames.contains(String(surnameTitle)) else { return nil }
        let given1 = ns.substring(with: m.range(at: 2))
        let given1Listed = Gazetteer.notNames.contains(given1.lowercased()) && !shortGiven.contains(given1)
        // "Lee Jun Ho", "Lee Sung Kyung": a listed syllable may open a three-part name (checked below).
        guard !given1Listed || (nameSyllables.contains(given1) && given1 != "An") else { return nil }
        let parts = given1.lowercased().split(separator: "-").map(String.init)
        guard parts.allSatisfy({ syllable.contains($0) }) else { return nil }
        let given1End = m.range(at: 2).location + m.range(at: 2).length
        var end = given1End
        if m.range(at: 3).location != NSNotFound, !given1.contains("-") {
            let given2 = ns.substring(with: m.range(at: 3))
            let g2End = m.range(at: 3).location + m.range(at: 3).length
            let after = ns.substring(from: g2End)
            // "Hong Hae In," is a name; "Kim Soo Hyun In Talks" is a headline.
            let shortSyllableOK =
                shortGiven.contains(given2) && after.range(of: #"^\s+[A-Z]"#, options: .regularExpression) == nil
            // "Jung Woo Sung", "Won Ji An"; never "Jun" before a day ("Jun 5") or "An" before a capitalized word.
            let nameSyllableOK =
                nameSyllables.contains(given2) && after.range(of: #"^\s*\d"#, options: .regularExpression) == nil
                && (given2 != "An" || after.range(of: #"^\s+[A-Z]"#, options: .regularExpression) == nil)
            if !Gazetteer.notNames.contains(given2.lowercased()) || shortSyllableOK || nameSyllableOK,
                syllable.contains(given2.lowercased()), given1.count <= 5
            {
                end = g2End
            }
        }
        // "Lee Jun" or "Park Sung" alone: a listed syllable is a name only inside a three-part name.
        if given1Listed && end == given1End { return nil }
        if Gazetteer.ambiguousSurnames.contains(String(surnameTitle)) {
            // "Song", "Moon", "Han" open sentences as ordinary words too; demand a Korean-looking given name.
            let g = given1.lowercased()
            if sentenceStart && !given1.contains("-") && end == m.range(at: 2).location + m.range(at: 2).length {
                return nil
            }
            if englishLike.contains(g) { return nil }
        }
        return NSRange(location: m.range(at: 1).location, length: end - m.range(at: 1).location)
    }

    private static let numbering = Pattern(#"^(?:part|pt|vol|ep|episode|season|no)\.?\d{1,3}$"#)

    /// One-syllable given names that are also English function words.
    private static let shortGiven: Set<String> = ["In", "So", "Do", "Ha", "Na", "No", "Min", "Ji", "Eun", "Bo", "Da"]

    /// Given-name syllables that are also English words or month abbreviations ("Jun", "Sung", "An"),
    /// accepted inside a three-part name: "Lee Jun Ho", "Jung Sung Il", "Won Ji An".
    private static let nameSyllables: Set<String> = ["Jun", "Sung", "An", "Il", "Jin", "Min"]

    private static let englishLike: Set<String> = [
        "title", "lyrics", "hits", "the", "and", "day", "days", "love", "time", "night", "star", "park", "hall",
        "king", "queen", "lake", "river", "tower", "dong", "gu", "line", "land", "book", "boy", "girl",
    ]

    /// Splits a capitalized run into a name, an organisation, or nothing, dropping leading and
    /// trailing function words ("Meanwhile, Davichi" → "Davichi").
    private static func splitRun(_ range: NSRange, in ns: NSString) -> [Mention] {
        let s = ns.substring(with: range)
        var tokens: [(String, NSRange)] = []
        var loc = range.location
        for part in s.split(separator: " ", omittingEmptySubsequences: false) {
            let p = String(part)
            let len = (p as NSString).length
            tokens.append((p, NSRange(location: loc, length: len)))
            loc += len + 1
        }
        func clean(_ t: String) -> String {
            var t = t
            while let l = t.last, ".!-".contains(l) { t.removeLast() }
            if t.hasSuffix("'s") || t.hasSuffix("’s") { t.removeLast(2) }
            return t
        }
        func isStop(_ t: String) -> Bool {
            let c = clean(t).lowercased()
            if c.isEmpty || Gazetteer.notNames.contains(c) || Gazetteer.months[c] != nil { return true }
            // "Friday-Saturday" (a time slot) and "Part.2" / "Vol.3" (numbering) are not names.
            let pieces = c.split(separator: "-").map(String.init)
            if pieces.count > 1, pieces.allSatisfy({ Gazetteer.notNames.contains($0) }) { return true }
            return numbering.contains(c)
        }
        // "band The Rooftop": after a band or group noun, a leading "The" belongs to the name.
        let before = ns.substring(to: range.location)
        let keepThe =
            tokens.count > 1 && tokens[0].0 == "The" && !isStop(tokens[1].0)
            && before.range(of: #"\b(?:band|group|duo|trio)\s$"#, options: [.regularExpression, .caseInsensitive])
                != nil
        while !keepThe, let f = tokens.first, isStop(f.0) { tokens.removeFirst() }
        // "Joining the cast are …", "Reprising their roles …": a sentence that opens with a
        // gerund has no name in that word.
        if let f = tokens.first, f.1.location == 0 || before.trimmingCharacters(in: .whitespaces).isEmpty,
            clean(f.0).count > 5, clean(f.0).hasSuffix("ing"), clean(f.0).dropFirst().allSatisfy(\.isLowercase)
        {
            tokens.removeFirst()
            while let f = tokens.first, isStop(f.0) { tokens.removeFirst() }
        }
        while tokens.count > 1 || (tokens.first.map { isStop($0.0) } ?? false), let l = tokens.last, isStop(l.0) {
            // "XANADU Entertainment" keeps its suffix: it marks an organisation.
            if tokens.count > 1, Gazetteer.organizationSuffixes.contains(clean(l.0).lowercased()) { break }
            tokens.removeLast()
        }
        guard !tokens.isEmpty else { return [] }
        // A stopword in the middle ("Queen Of Tears" in a headline) means the run is not a name.
        if tokens.count > 1, tokens.dropFirst().dropLast().contains(where: { isStop($0.0) }) {
            let last = clean(tokens.last!.0).lowercased()
            if !Gazetteer.organizationSuffixes.contains(last) { return [] }
        }
        let first = tokens.first!.1
        var lastRange = tokens.last!.1
        var lastText = tokens.last!.0
        // Keep the possessive outside the mention so the template reads "⟨N1⟩'s".
        if lastText.hasSuffix("'s") || lastText.hasSuffix("’s") {
            lastRange.length -= 2
            lastText.removeLast(2)
        }
        while let l = lastText.last, ".!-".contains(l), lastText.count > 1, !lastText.hasSuffix("!") {
            lastText.removeLast()
            lastRange.length -= 1
        }
        let r = NSRange(location: first.location, length: lastRange.location + lastRange.length - first.location)
        guard r.length > 0 else { return [] }
        let text = ns.substring(with: r)
        // "36-year-old" or "1" are not names: a name has at least two characters and an uppercase letter.
        if text.count < 2 || !text.contains(where: { $0.isUppercase }) { return [] }
        let lastWord = clean(lastText).lowercased()
        let kind: MentionKind = Gazetteer.organizationSuffixes.contains(lastWord) ? .org : .name
        return [Mention(kind: kind, text: text, range: r)]
    }

    private static func template(for ns: NSString, mentions: [Mention]) -> String {
        var out = ""
        var cursor = 0
        for (i, m) in mentions.enumerated() {
            if m.range.location > cursor {
                out += ns.substring(with: NSRange(location: cursor, length: m.range.location - cursor))
            }
            out += "⟨\(m.kind.rawValue)\(i)⟩"
            cursor = m.range.location + m.range.length
        }
        if cursor < ns.length { out += ns.substring(from: cursor) }
        return normalizePunctuation(out)
    }

    static func normalizePunctuation(_ s: String) -> String {
        var t = s.replacingOccurrences(of: "’", with: "'").replacingOccurrences(of: "‘", with: "'")
            .replacingOccurrences(of: "“", with: "\"").replacingOccurrences(of: "”", with: "\"")
            .replacingOccurrences(of: "\u{00A0}", with: " ").replacingOccurrences(of: "–", with: "-")
            .replacingOccurrences(of: "—", with: " - ")
        while t.contains("  ") { t = t.replacingOccurrences(of: "  ", with: " ") }
        return t
    }
}
