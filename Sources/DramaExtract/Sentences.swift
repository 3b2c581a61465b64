import Foundation

/// One sentence of the headline or the body, with its UTF-8 location for evidence.
struct Sentence: Sendable {
    let field: Evidence.Field
    let start: Int
    let end: Int
    let text: String
    /// Paragraph number within the field; coreference ("the track") does not cross paragraphs.
    let paragraph: Int
    /// Position in reading order over the whole article (headline first).
    var order: Int = 0

    var evidence: Evidence { Evidence(field: field, start: start, end: end, text: text) }
    var isHeadline: Bool { field == .headline }
}

/// Splits article fields into sentences and drops boilerplate: outlets wrap the story in link
/// lists, "ALSO READ" teasers, ads and comment threads whose names and titles must never become facts.
enum SentenceSplitter {
    static func sentences(of text: String, field: Evidence.Field) -> [Sentence] {
        var out: [Sentence] = []
        let lines = lineRanges(of: text)
        var dropBlock = false
        var previousWasBullet = false
        var paragraph = 0
        for range in lines {
            let line = String(text[range])
            let t = line.trimmed
            if t.isEmpty {
                previousWasBullet = false
                continue
            }
            paragraph += 1
            if isBullet(t) {
                previousWasBullet = true
                continue
            }
            if previousWasBullet {
                // A line right after a lone "-" or "•" is an item of a link list.
                previousWasBullet = false
                continue
            }
            let words = t.split(whereSeparator: { $0 == " " }).count
            if dropBlock {
                // Header-started blocks (Related, Trending, Comments) run until real prose resumes.
                if words < 30 { continue }
                dropBlock = false
            }
            if isBlockHeader(t) {
                dropBlock = true
                continue
            }
            if isBoilerplateLine(t) { continue }
            for s in split(line: text, range: range) {
                let st = String(text[s]).trimmed
                if st.isEmpty || isBoilerplateSentence(st) { continue }
                let trimmedRange = trim(range: s, in: text)
                out.append(
                    Sentence(
                        field: field, start: text.utf8Offset(of: trimmedRange.lowerBound),
                        end: text.utf8Offset(of: trimmedRange.upperBound), text: String(text[trimmedRange]),
                        paragraph: paragraph))
            }
        }
        return out
    }

    private static func lineRanges(of text: String) -> [Range<String.Index>] {
        var result: [Range<String.Index>] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "\n" || text[i] == "\r\n" || text[i] == "\r" {
                result.append(start..<i)
                start = text.index(after: i)
            }
            i = text.index(after: i)
        }
        result.append(start..<text.endIndex)
        return result
    }

    private static func trim(range: Range<String.Index>, in text: String) -> Range<String.Index> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi, text[lo].isWhitespace { lo = text.index(after: lo) }
        while hi > lo, text[text.index(before: hi)].isWhitespace { hi = text.index(before: hi) }
        return lo..<hi
    }

    private static let bulletChars: Set<Character> = ["-", "–", "—", "•", "*", "·", "|", "»", "›"]

    private static func isBullet(_ t: String) -> Bool {
        t.count <= 3 && t.allSatisfy { bulletChars.contains($0) || $0.isWhitespace }
    }

    private static let blockHeader = Pattern(
        #"^(?:related(?: articles| news| stories| posts)?|trending(?: now| news| stories)?|recommended(?: for you| stories)?|you may also like|you might also like|more from .{0,30}|more stories|top stories|latest news|latest stories|most read|most popular|popular (?:now|stories)|read next|up next|also watch|comments?(?: \(\d+\))?|\d+ comments?|leave a (?:comment|reply)|discussion|what do you think\??|tags?|topics)\s*[:|]?$"#
    )

    static func isBlockHeader(_ t: String) -> Bool { blockHeader.contains(t) }

    private static let boilerplateLine = Pattern(
        #"^(?:also read|read more|read also|must read|must watch|don't miss|do not miss|see also|also see|related\b|trending\b|recommended\b|watch\b.*\b(?:below|here|above)\W*$|click here|subscribe|sign up|follow us|follow .{0,30} on (?:instagram|twitter|x|facebook|youtube)|download (?:the|our) app|advertisement|sponsored|ad\s*[:|]|share this|share on|photo\s*[:|]|photos?\s*(?:credit|courtesy)|image\s*(?:credit|source)?\s*[:|]|source\s*[:|]|credits?\s*[:|]|tags?\s*[:|]|copyright|©|all rights reserved|\[?(?:photo|image)s? (?:by|from)|loading|login|log in to|reply\s*$|report\s*$|\d+\s*(?:likes?|replies|comments)\b|posted by|written by|reported by|edited by|by [A-Z][\w. ]{0,40}$)"#
    )
    private static let adLine = Pattern(
        #"(?:explore now|click here|download the app|subscribe now|subscribe to|sign up for|one stop destination|limited time offer|shop now|buy now|best deals?|sponsored content|terms and conditions|cookie policy|privacy policy|newsletter)"#
    )

    static func isBoilerplateLine(_ t: String) -> Bool {
        boilerplateLine.contains(t) || adLine.contains(t) || isDateline(t)
    }

    private static let dateline = Pattern(
        #"^(?:date\s+)?\d{4}[-./]\d{1,2}[-./]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s*KST)?\s*$"#)
    private static func isDateline(_ t: String) -> Bool { dateline.contains(t) }

    private static let boilerplateSentence = Pattern(
        #"^(?:(?:watch|check out|listen to|see|view|stream)\b.{0,160}\b(?:below|above|here)\W*$|also read\b|read more\b|click here|explore now|\(?(?:photo|image)s?\b[^.]{0,60}(?:credit|courtesy|via)\b|(?:\(|\[)?(?:AFP|AP|Reuters|Yonhap|Getty Images|Instagram|X)\)?\W*$)"#
    )

    static func isBoilerplateSentence(_ s: String) -> Bool { boilerplateSentence.contains(s) }

    private static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "jr", "sr", "st", "no", "vs", "inc", "co", "ltd", "corp", "etc", "feat", "ft",
        "vol", "ep", "eps", "approx", "est", "dept", "mt", "u.s", "u.k", "a.m", "p.m", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs",
        "fri", "sat", "sun", "pt", "op", "prof", "gen", "gov", "sen", "rep", "fig",
    ]
    private static let sentenceStarters: Set<String> = [
        "The", "It", "This", "That", "These", "He", "She", "They", "Meanwhile", "In", "On", "Fans", "Also", "Stay",
        "According", "However", "Earlier", "Previously", "Watch", "A", "An",
    ]
    private static let closers: Set<Character> = ["\"", "'", "’", "”", ")", "]", "」", "』", "》", "〉", "»"]

    /// Splits one line into sentence ranges. Periods after abbreviations, initials and times
    /// ("6 p.m. KST") do not end a sentence; titles like "Part.3" have no space and never split.
    private static func split(line text: String, range: Range<String.Index>) -> [Range<String.Index>] {
        var result: [Range<String.Index>] = []
        var start = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            let c = text[i]
            if c == "." || c == "!" || c == "?" || c == "…" {
                var j = text.index(after: i)
                while j < range.upperBound,
                    closers.contains(text[j]) || text[j] == "." || text[j] == "!" || text[j] == "?"
                {
                    j = text.index(after: j)
                }
                guard j < range.upperBound, text[j].isWhitespace else {
                    // "… drama 'Life'.On January 8, …": a missing space, when a common sentence
                    // opener follows a word (never "Part.3", "Dr.Romantic" or a domain name).
                    if c == ".", j < range.upperBound, text[j].isUppercase, j > range.lowerBound,
                        sentenceStarters.contains(String(text[j...].prefix { $0.isLetter })),
                        text[j...].dropFirst(String(text[j...].prefix { $0.isLetter }).count).first?.isWhitespace
                            == true,
                        !abbreviations.contains(wordBefore(i, in: text, lower: range.lowerBound).lowercased()),
                        i > range.lowerBound,
                        text[text.index(before: i)].isLetter || closers.contains(text[text.index(before: i)])
                    {
                        result.append(start..<j)
                        start = j
                        i = j
                        continue
                    }
                    i = text.index(after: i)
                    continue
                }
                var k = j
                while k < range.upperBound, text[k].isWhitespace { k = text.index(after: k) }
                guard k < range.upperBound else { break }
                let next = text[k]
                let nextWord = String(text[k...].prefix { $0.isLetter })
                let startsSentence =
                    next.isUppercase || next.isNumber || "\"'“‘「『(《[".contains(next)
                    || next.unicodeScalars.first!.properties.isIdeographic || String(next).hasHangul
                if c == "." && startsSentence {
                    let word = wordBefore(i, in: text, lower: range.lowerBound)
                    let lw = word.lowercased()
                    if abbreviations.contains(lw) {
                        if !((lw == "a.m" || lw == "p.m") && sentenceStarters.contains(nextWord)) {
                            i = text.index(after: i)
                            continue
                        }
                    }
                    if word.count == 1, word.first!.isUppercase {
                        i = text.index(after: i)
                        continue
                    }
                }
                if startsSentence {
                    result.append(start..<j)
                    start = k
                    i = k
                    continue
                }
            }
            i = text.index(after: i)
        }
        if start < range.upperBound { result.append(start..<range.upperBound) }
        return result
    }

    private static func wordBefore(_ i: String.Index, in text: String, lower: String.Index) -> String {
        var s = i
        while s > lower {
            let p = text.index(before: s)
            if text[p].isLetter || text[p] == "." { s = p } else { break }
        }
        return String(text[s..<i])
    }
}
