import Foundation

/// What a span of a sentence names. The raw value is the letter used in templates.
enum MentionKind: String, Sendable {
    case person = "P"
    case name = "N"
    case drama = "D"
    case song = "S"
    case network = "W"
    case platform = "L"
    case org = "O"
    /// A quoted span that is neither a known drama nor clearly a song.
    case quote = "Q"
}

/// One mention within a sentence. Ranges are UTF-16 (NSRange) so that masked copies of the
/// sentence keep the same offsets.
struct Mention: Sendable {
    var kind: MentionKind
    /// The surface form, quotes and Hangul glosses removed.
    var text: String
    var range: NSRange
    var quoted: Bool = false
    /// Guests credited inside a quoted song title: 'Blue Hour (feat. Rael)'.
    var featuring: [String] = []
}

/// A quoted span: the outer range includes the quote marks (and a trailing Hangul gloss).
struct QuotedSpan {
    var outer: NSRange
    var inner: String
    var featuring: [String] = []
}

enum QuoteFinder {
    private static let patterns: [Pattern] = [
        Pattern(#"“([^“”\n]{1,160}?)”"#),
        Pattern(#"(?<![\p{L}\p{N}])‘((?:[^‘’\n]|’(?=\p{L})){1,160}?)’(?![\p{L}\p{N}])"#),
        Pattern(#"(?<![\p{L}\p{N}])"([^"\n]{1,160}?)"(?![\p{L}\p{N}])"#),
        Pattern(#"(?<![\p{L}\p{N}])'((?:[^'\n]|'(?=\p{L})){1,160}?)'(?![\p{L}\p{N}])"#),
        Pattern(#"「([^」\n]{1,120})」"#),
        Pattern(#"『([^』\n]{1,120})』"#),
        Pattern(#"《([^》\n]{1,120})》"#),
        Pattern(#"〈([^〉\n]{1,120})〉"#),
        Pattern(#"<([^<>\n]{1,80})>"#),
    ]
    private static let featGloss = Pattern(#"\s*[(\[](?:feat\.?|ft\.?|featuring|with)\s+([^()\[\]]+)[)\]]\s*$"#)
    private static let hangulGloss = Pattern(#"^\s*\(([^()]{1,60})\)"#)
    private static let innerGloss = Pattern(#"\s*[(\[]([^()\[\]]*\p{Hangul}[^()\[\]]*)[)\]]\s*$"#)

    static func spans(in text: String) -> [QuotedSpan] {
        let ns = text as NSString
        var result: [QuotedSpan] = []
        for p in patterns {
            for m in p.re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                if result.contains(where: { NSIntersectionRange($0.outer, m.range).length > 0 }) { continue }
                var inner = ns.substring(with: m.range(at: 1)).trimmed
                var outer = m.range
                while let last = inner.last, ",.;:".contains(last) { inner.removeLast() }
                // 'Blue Hour (feat. Rael)': the guest is an artist, not part of the title.
                var featuring: [String] = []
                if let f = featGloss.firstMatch(in: inner), f.range.lowerBound > inner.startIndex {
                    featuring = f.group(1)!.components(separatedBy: CharacterSet(charactersIn: ",&"))
                        .flatMap { $0.components(separatedBy: " and ") }.map(\.trimmed).filter { !$0.isEmpty }
                    inner = String(inner[..<f.range.lowerBound])
                }
                // 'Snowflower (눈꽃)' and ‘Snowflower’ (눈꽃): the Hangul gloss belongs to the title.
                if let g = innerGloss.firstMatch(in: inner), g.range.lowerBound > inner.startIndex {
                    inner = String(inner[..<g.range.lowerBound])
                }
                let after = ns.substring(from: outer.location + outer.length)
                if let g = hangulGloss.firstMatch(in: after), g.group(1)?.hasHangul == true {
                    outer.length += (g.value as NSString).length
                }
                inner = inner.trimmed
                while let last = inner.last, ",.;:".contains(last) { inner.removeLast() }
                inner = inner.trimmed
                guard !inner.isEmpty else { continue }
                result.append(QuotedSpan(outer: outer, inner: inner, featuring: featuring))
            }
        }
        return result.sorted { $0.outer.location < $1.outer.location }
    }

    /// Quoted speech ("It is true that he received an offer") is not a title; titles are short
    /// and mostly capitalized.
    static func looksLikeTitle(_ s: String) -> Bool {
        let words = s.split(separator: " ")
        if words.count > 12 { return false }
        if s.hasHangul && words.count <= 8 { return true }
        if words.count <= 3 { return true }
        let small: Set<String> = [
            "a", "an", "the", "of", "in", "on", "to", "for", "and", "or", "with", "from", "at", "by", "is", "my", "me",
            "you", "your", "be", "are", "but", "as", "it", "i", "we", "so", "if", "not", "no",
        ]
        let content = words.filter { !small.contains($0.lowercased()) }
        if content.isEmpty { return true }
        let capitalized = content.filter { $0.first?.isUppercase == true || $0.first?.isNumber == true }
        return Double(capitalized.count) / Double(content.count) >= 0.6
    }
}

/// Votes, from the words around each quoted title, whether it names a drama or a song.
enum TitleClassifier {
    private static let dramaRight = Pattern(
        #"^\s*(?:['’]s\s+)?(?:\(\S[^)]{0,40}\)\s*)?(?:ost|original sound ?track|sound ?track|drama|k-drama|series|star|stars|actor|actress|actors|cast|co-stars?|premiere|episodes?|director|writer|team|fame|season|poster|teaser|trailer|ratings|lead|main|male|female|production|producers|has been|will premiere|will air|airs|aired|is set to (?:premiere|air)|remake|script|tells the story|is (?:headlined|led|fronted|directed|written) by|is expected to (?:premiere|air|greet)|will (?:premiere|air|greet)|follows|is about|centers on|centres on|revolves|is based on|depicts|is a (?:romance|romantic|fantasy|thriller|mystery|comedy|drama|series|melodrama))\b|^\s*,?\s*(?:starring|which stars|that stars|led by|headlined by|fronted by)\s|^\s*(?:is|will be)\s+(?:slated|scheduled|set|expected)\s+(?:for|to)\b[^.]{0,40}\bon\s+(?:tvn|kbs2?|mbc|sbs|jtbc|ena|ocn|mbn|netflix|disney\+|tving|wavve|coupang play|viki)\b"#
    )
    private static let dramaLeft = Pattern(
        #"(?:\b(?:drama|k-drama|series|sitcom|miniseries|mini-series|show|webtoon-based|remake|rom-com|romcom|melodrama|thriller|sageuk|working title|air as|(?:season|installment|instalment|sequel)\s+of|leads of|lead of|renamed|retitled|new title|ost for|ost of|osts? for|osts? of|soundtrack for|soundtrack of|soundtracks? for|star in|starring in|starred in|stars in|appear in|appears in|appearing in|appearance in|cast in|casting for|casting in|join|joins|joined|joining|role in|roles in|lead in|cameo in|airing|upcoming|season \d+ of|sequel|participating in|participate in|participates in|headline|headlines|to lead|boards|boarded|small screen with|small-screen return with|small-screen comeback with|(?:production|creative) team of|producers of|makers of|production of|filming of|script reading (?:for|of)|cast of|(?:dropped|drops|dropping|pulled|pulls|bowed|bows) out of|(?:stepped|steps|stepping) down from|withdr[ae]w from|withdrawn from|exit(?:s|ed|ing)?(?: from)?(?: the (?:project|drama|series))?|passed on|passes on|turned down|turns down|no longer (?:appear|star|be) in)\s*,?\s*$|\b(?:role|roles|character|part|guest|cameo|appearance|appear|appears|star|stars|starring|cast|lead|play|plays|playing|portray|portrays)\b[^.'"‘“’”]{0,40}\bin\s*$|\b(?:tvn|kbs2?|mbc|sbs|jtbc|ena|ocn|mbn|netflix|disney\+|tving|wavve|coupang play|viki|channel a|tv chosun)\s*['’]s\s+(?:new |upcoming |hit |popular |weekend |original |mini |romance |romantic |fantasy |thriller |historical |comedy |family |rom-com |romcom |melodrama |legal |medical |crime |mystery |youth |office )*(?:drama |series )?$)"#
    )
    private static let strongDramaLeft = Pattern(
        #"\b(?:drama|k-drama|series|sitcom|ost (?:for|of)|osts (?:for|of)|soundtracks? (?:for|of)|star in|cast in|episode \d+ of|episodes of|cast of|finale of|premiere of|set of|(?:tvn|kbs2?|mbc|sbs|jtbc|ena|ocn|mbn|netflix|disney\+|tving|wavve|coupang play|channel a|tv chosun)\s*['’]s)\s*,?\s*$"#
    )
    private static let dramaRightAction = Pattern(
        #"^\s*(?:reveals|releases|drops|unveils|unveiled|released|dropped|shares|confirms|announces|adds|welcomes|teases)\s+(?:its\s+|the\s+|new\s+|first\s+|second\s+|third\s+|next\s+|final\s+|main\s+|\d+(?:st|nd|rd|th)\s+)*(?:ost|soundtrack|poster|teaser|stills|lineup|line-up|cast|trailer|script)"#
    )
    private static let songLeft = Pattern(
        #"\b(?:song|songs|track|tracks|single|ballad|titled|(?<!working )title|called|named|ost|osts|ost part\.? ?\d+|part\.? ?\d+|sang|sings|sing|singing|hit|hits|music video for|mv for|lyrics of|lyrics for|melody of|tune|number|cover of|remake of|duet|anthem|theme|theme song|b-side|titled,|song,|ost,|track,)\s*[,:]?\s*$"#
    )
    private static let songRight = Pattern(
        #"^\s*(?:(?:,\s*)?(?:is |was |will be |has been )?(?:sung|performed) by|by\b|\(feat|feat\.|ft\.|,?\s*(?:was|has been|is|will be|were) (?:released|unveiled|dropped)|lyrics|music video|mv\b|is an? (?:emotional |sweet |powerful |soft |upbeat |heartfelt |mid-tempo |sad |acoustic |rock |r&b |pop )*(?:ballad|song|track|number|tune)|\(ost|ost part|\(part)"#
    )
    /// "tentatively titled 'X'", "the series, titled 'X'": "titled" names a drama here, not a song.
    private static let titledLeft = Pattern(
        #"\b(?:(?:tentatively|provisionally)\s+(?:titled|named|called)|(?:drama|k-drama|series|sitcom|melodrama|rom-com|thriller|sageuk),?\s+(?:tentatively\s+)?(?:titled|called|named))\s*[,:]?\s*$"#
    )
    private static let possessor = Pattern(#"([\p{L}\p{N}+]+)\s*['’]s\s*$"#)

    /// +1 per drama cue, -1 per song cue; the article sums these per title key.
    static func vote(text: String, span: QuotedSpan) -> Int {
        let ns = text as NSString
        let leftStart = max(0, span.outer.location - 60)
        let left = ns.substring(with: NSRange(location: leftStart, length: span.outer.location - leftStart))
        let rightStart = span.outer.location + span.outer.length
        let right = ns.substring(with: NSRange(location: rightStart, length: min(60, ns.length - rightStart)))
        var score = 0
        if dramaRight.contains(right) { score += 1 }
        if dramaLeft.contains(left) { score += 1 }
        // "the JTBC drama 'X'" and "the OST for 'X'" are decisive whatever follows.
        if strongDramaLeft.contains(left) { score += 1 }
        if dramaRightAction.contains(right) { score += 2 }
        if titledLeft.contains(left) {
            score += 1
        } else if songLeft.contains(left) {
            score -= 1
        }
        if songRight.contains(right) { score -= 1 }
        if let p = possessor.firstMatch(in: left), let owner = p.group(1) {
            let o = owner.lowercased()
            if Gazetteer.networks[o] == nil && Gazetteer.platforms[o] == nil && o != "drama" && o != "series" {
                // "Kyuhyun's 'Love Beyond Words'": a person's quoted work here is a song.
                score -= 1
            }
        }
        return score
    }
}
