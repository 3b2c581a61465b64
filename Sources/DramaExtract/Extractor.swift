import Foundation

/// Turns a news article into drama, OST and casting facts.
///
/// Deterministic and offline: the same article always gives the same facts. It prefers missing
/// a fact to inventing one, so background asides ("known for…", "previously sang…") and
/// boilerplate (ALSO READ lines, link lists, comments, ads) produce nothing.
public struct Extractor: Sendable {
    private let known: KnownNames

    /// Creates an extractor that reports names already in the database with their stored spelling.
    public init(known: KnownNames = KnownNames()) {
        self.known = known
    }

    /// Extracts the facts of one article, merged per drama, per OST song or part, and per credit.
    public func extract(_ article: Article) -> [ExtractedFact] {
        var sentences =
            SentenceSplitter.sentences(of: article.headline, field: .headline)
            + SentenceSplitter.sentences(of: article.body, field: .body)
        for i in sentences.indices { sentences[i].order = i }
        let lexicon = LexiconBuilder.build(sentences, known: known)
        let analyzed = sentences.map { MentionFinder.analyze($0, lexicon: lexicon) }

        var titleOccurrences: [NameResolver.Occurrence] = []
        var personOccurrences: [NameResolver.Occurrence] = []
        for s in analyzed {
            for m in s.mentions {
                let o = NameResolver.Occurrence(surface: m.text, inBody: !s.sentence.isHeadline)
                switch m.kind {
                case .drama: titleOccurrences.append(o)
                case .person, .name, .quote: personOccurrences.append(o)
                default: break
                }
            }
        }
        let titles = TitleResolver(titles: titleOccurrences, known: known.dramas)
        let people = NameResolver(people: personOccurrences, known: known.people)

        var ctx = ArticleContext(
            sentences: analyzed, dates: DateResolver(publishedAt: article.publishedAt), mainDrama: nil,
            dramaSurface: [:])
        ctx.knownPeopleKeys = Set(lexicon.knownPeople.map(nameKey))
        var weights: [String: Int] = [:]
        var firstSeen: [String: Int] = [:]
        for s in analyzed {
            // "'Itaewon Class' actor X", "X (⟨D⟩)", "X, who led ⟨D⟩, …": a person's past work is not the story.
            let modifiers = ArticleContext.modifierTitleIndices(in: s.template)
            for (i, m) in s.mentions.enumerated() where m.kind == .drama {
                let k = titleKey(m.text)
                ctx.dramaSurface[k] = titles.canonical(m.text)
                let background = ArticleContext.isBackground(s.template)
                weights[k, default: 0] +=
                    modifiers.contains(i) ? 0 : (s.sentence.isHeadline ? 3 : (background ? 0 : 1))
                if firstSeen[k] == nil { firstSeen[k] = s.sentence.order }
            }
        }
        ctx.dramaCount = Set(weights.filter { $0.value > 0 }.keys.map { titles.key(ctx.dramaSurface[$0] ?? $0) }).count
        // Variants of one title count together for picking the article's drama.
        var merged: [String: Int] = [:]
        for (k, w) in weights { merged[titles.key(ctx.dramaSurface[k] ?? k), default: 0] += w }
        // One title counts as the article's drama once it is named twice (a headline counts
        // three), or when it is the only drama the article names outside asides.
        // (Not in a roundup: there, quoted titles of unknown kind are other stories' dramas.)
        let named =
            merged.filter { $0.value > 0 }.count
            + lexicon.quoteKinds.values.filter { $0 == .quote }.count
        if let top = merged.max(by: { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }),
            top.value >= 2 || (top.value == 1 && named == 1)
        {
            let runnerUp = merged.filter { $0.key != top.key }.map(\.value).max() ?? 0
            if top.value > runnerUp {
                ctx.mainDrama = weights.keys.filter { titles.key(ctx.dramaSurface[$0] ?? $0) == top.key }
                    .min { (firstSeen[$0] ?? 0) < (firstSeen[$1] ?? 0) }
            }
        }

        let merger = FactMerger(titles: titles, people: people)
        let dramas = merger.mergeDramas(DramaPatterns.extract(ctx))
        let osts = merger.mergeOSTs(OSTPatterns.extract(ctx))
        let casting = CastingPatterns.extract(ctx)
        let castings = merger.mergeCastings(casting.records, overrides: casting.overrides)
        return dramas.map(ExtractedFact.drama) + osts.map(ExtractedFact.ost) + castings.map(ExtractedFact.casting)
    }
}

/// Decides, for the whole article, which quoted titles are dramas and which are songs, and which
/// bare titles to look for.
enum LexiconBuilder {
    /// "the drama X", "SBS melodrama X", "KBS drama special X".
    private static let bareTitle = Pattern(
        #"\b(?:drama(?:\s+special)?|[Kk]-[Dd]rama|series|sitcom|melodrama|rom-com|thriller|sageuk)\s+([A-Z][\w'’!?:#&-]*(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})"#,
        caseSensitive: true)
    private static let bareBeforeOST = Pattern(
        #"(?:^|[,;]\s+|\bfor\s+|\bof\s+|\bthe\s+)((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){1,8})\s+(?:OST|original soundtrack)\b"#,
        caseSensitive: true)

    /// "Moonlit Ledger (working title)", "Gwigoong (literal title)": a bare title marked as a title.
    private static let bareWorkingTitle = Pattern(
        #"((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})\s*\((?:working|tentative|literal|translated|english)\s+title\)"#,
        caseSensitive: true)
    /// "Gwigoong (lit. Ghost Palace)": read only where the sentence is not about a song.
    private static let bareLiteralTitle = Pattern(
        #"((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})\s*\(lit\.(?:\s[^()]{1,60})?\)"#,
        caseSensitive: true)
    private static let songWords = Pattern(
        #"\b(?:songs?|singles?|tracks?|osts?|sound ?tracks?|albums?|sings?|sang|ballads?|lyrics)\b"#)
    /// "the drama, tentatively titled X": a title however short.
    private static let tentativelyTitled = Pattern(
        #"\b(?i:tentatively|provisionally)\s+(?:titled|named|called)\s+((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})"#,
        caseSensitive: true)
    /// "a new series titled X", "the drama, called X".
    private static let dramaTitled = Pattern(
        #"\b(?:drama|[Kk]-[Dd]rama|series|sitcom|melodrama|rom-com|thriller|sageuk),?\s+(?:titled|called|named)\s+((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})"#,
        caseSensitive: true)

    /// "… to lead Dream Road, a romantic comedy about …": a title explained by an appositive.
    private static let appositiveTitle = Pattern(
        #"\b(?:in|with|of|for|to|lead|leads|join|joins|joined|headline|star|stars|starring|titled|called)\s+"#
            + #"((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8}),\s+(?:an?|the)\s+(?:[\w+-]+\s+){0,5}?(?:drama|k-drama|series|thriller|romance|romantic\s+comedy|rom-com|melodrama|sageuk|sitcom)\b"#,
        caseSensitive: true)
    /// "has been cast in Laurel Tree Tailors", "stars in The Last Empress": a title after a casting
    /// verb and "in" (two words at least: "in Seoul" is a place; "appearing in" is left out, as
    /// it is as often a variety show).
    private static let castInTitle = Pattern(
        #"\b(?:cast|star|stars|starring|lead|leads|leading|join|joins|joined|role|roles|part)\s+(?:(?:as\s+)?the\s+(?:[\w-]+\s+){0,2}?(?:role|lead)\s+)?in\s+((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})(?=\s*[,.;:!?)]|\s+[a-z]|\s*$)"#,
        caseSensitive: true)
    /// "MBC's upcoming Blow Breeze", "KBS' Bridal Mask": a title after a broadcaster's possessive.
    private static let networkTitle = Pattern(
        #"(?<![\p{L}\p{N}])(?:tvN|KBS2?|MBC|SBS|JTBC|ENA|OCN|MBN|Netflix|Disney\+|TVING|Wavve|Coupang\s+Play|Viki)(?:['’]s?)\s+(?:(?:new|upcoming|hit|latest|popular|weekend|romance|fantasy|historical|original|[A-Z][a-z]+day(?:-[A-Z][a-z]+day)?)\s+){0,2}((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})"#,
        caseSensitive: true)

    /// Roundup lines, often in title case: "Jisung's “Manchurian Violet”, Kill Me Heal Me OST",
    /// "Min Yeon Gi – Forever (Misty OST)".
    private static let roundupTitles = [
        Pattern(
            #"[”"’'],?\s+((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})\s+(?:OST|Original Soundtrack)\s*$"#,
            caseSensitive: true),
        Pattern(
            #"^[^()]{1,60}?\s[–—-]\s[^()]{1,80}?\s\(((?:[A-Z][\w'’!?:#&-]*)(?:\s+(?:of|the|a|an|in|on|from|to|with|and|for|at|my|your|is|[A-Z0-9][\w'’!?:#&-]*)){0,8})\s+OST\)\s*$"#,
            caseSensitive: true),
    ]

    static func build(_ sentences: [Sentence], known: KnownNames) -> ArticleLexicon {
        var votes: [String: Int] = [:]
        var surfaces: [String: [String]] = [:]
        var keys: [String] = []
        for s in sentences {
            for q in QuoteFinder.spans(in: s.text) where QuoteFinder.looksLikeTitle(q.inner) {
                let k = titleKey(q.inner)
                guard !k.isEmpty else { continue }
                if votes[k] == nil { keys.append(k) }
                votes[k, default: 0] += TitleClassifier.vote(text: s.text, span: q)
                surfaces[k, default: []].append(q.inner)
            }
        }
        let knownKeys = Set(known.dramas.map(titleKey))
        // "Alchemy of Souls 2": a known title with a season number after it names a drama too.
        func knownSequel(_ k: String) -> Bool {
            let base = String(k.reversed().drop(while: { $0.isNumber }).reversed())
            return base != k && base.count >= 6 && knownKeys.contains(base)
        }
        var lexicon = ArticleLexicon()
        var bare: [String] = known.dramas
        for k in keys {
            let v = votes[k]!
            let kind: MentionKind =
                v > 0 || (v == 0 && (knownKeys.contains(k) || knownSequel(k))) ? .drama : (v < 0 ? .song : .quote)
            lexicon.quoteKinds[k] = kind
            if kind == .drama {
                for s in surfaces[k]! where s.count >= 5 || s.contains(" ") { bare.append(s) }
            }
        }
        // How often each capitalized word appears: a one-word title must recur to count.
        var capitalized: [String: Int] = [:]
        for s in sentences {
            for word in s.text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" })
            where word.first?.isUppercase == true {
                capitalized[String(word), default: 0] += 1
            }
        }
        func register(_ found: String, minimumWords: Int) {
            var t = found
            while let last = t.split(separator: " ").last,
                [
                    "of", "the", "a", "an", "in", "on", "from", "to", "with", "and", "for", "at", "my", "your",
                    "is",
                ]
                .contains(String(last))
            {
                t = t.split(separator: " ").dropLast().joined(separator: " ")
            }
            let words = t.split(separator: " ")
            // `minimumWords` above one means a one-word title must recur (checked below).
            guard !words.isEmpty, lexicon.quoteKinds[titleKey(t)] == nil else { return }
            if words.count == 1 && (t.count < 4 || Gazetteer.notNames.contains(t.lowercased())) { return }
            // "the drama Link": one word is a title only if the article writes it capitalized again.
            if words.count == 1, minimumWords > 1, (capitalized[t] ?? 0) < 2 { return }
            if words.count == 1, Gazetteer.months[t.lowercased()] != nil || Gazetteer.surnames.contains(t) { return }
            // "'Song', Part 3 of the OST": numbering, not a title.
            if t.range(
                of: #"^(?:Part|Pt|Vol|Volume|Season|Episode|Ep|Track|No)\.?\s*\d{1,3}$"#, options: .regularExpression)
                != nil
            {
                return
            }
            // "Monday-Tuesday drama", "Weekend Special": a time slot, not a title.
            if t.range(of: #"^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|^Weekend\b"#, options: .regularExpression)
                != nil
            {
                return
            }
            // A bare run that starts with a Korean surname is more likely a person than a title.
            if Gazetteer.surnames.contains(String(words[0])) && words.count <= 3 { return }
            if words.contains(where: { Gazetteer.networks[$0.lowercased()] != nil }) { return }
            bare.append(t)
            lexicon.quoteKinds[titleKey(t)] = .drama
        }
        for s in sentences where !s.isHeadline && !isTitleCase(s.text) {
            var cues: [(Pattern, Int)] = [
                (bareTitle, 2), (bareBeforeOST, 2), (bareWorkingTitle, 1), (tentativelyTitled, 1), (dramaTitled, 2),
                (appositiveTitle, 2), (networkTitle, 2),
            ]
            if !songWords.contains(s.text) { cues.append((bareLiteralTitle, 1)) }
            for (p, minimumWords) in cues {
                for m in p.matches(in: s.text) { register(m.group(1)!, minimumWords: minimumWords) }
            }
            for m in castInTitle.matches(in: s.text) where m.group(1)!.split(separator: " ").count >= 2 {
                register(m.group(1)!, minimumWords: 2)
            }
        }
        // Roundup lines are often in title case; their shape marks the title.
        for s in sentences where !s.isHeadline {
            for p in roundupTitles {
                for m in p.matches(in: s.text) { register(m.group(1)!, minimumWords: 1) }
            }
        }
        var seen = Set<String>()
        lexicon.bareDramaTitles = bare.filter { seen.insert($0.lowercased()).inserted }.sorted { $0.count > $1.count }
        lexicon.knownPeople = known.people.sorted { $0.count > $1.count }
        return lexicon
    }

    /// Headline-style sentences capitalize every word, which would make any run look like a title.
    private static func isTitleCase(_ s: String) -> Bool {
        let words = s.split(separator: " ").filter { $0.first?.isLetter == true }
        guard words.count >= 4 else { return false }
        let caps = words.filter { $0.first!.isUppercase }.count
        return Double(caps) / Double(words.count) > 0.8
    }
}
