import Foundation

/// A compiled pattern with the small API the extractor needs. NSRegularExpression rather than
/// Swift Regex: it is Sendable, fast on Linux, and its ICU syntax is what the patterns use.
struct Pattern: Sendable {
    let re: NSRegularExpression

    init(_ pattern: String, caseSensitive: Bool = false) {
        var options: NSRegularExpression.Options = []
        if !caseSensitive { options.insert(.caseInsensitive) }
        // The patterns are literals in this module; a bad one is a programming error.
        re = try! NSRegularExpression(pattern: pattern, options: options)
    }

    func matches(in text: String) -> [PatternMatch] {
        let ns = NSRange(text.startIndex..., in: text)
        return re.matches(in: text, options: [], range: ns).map { PatternMatch(result: $0, text: text) }
    }

    func firstMatch(in text: String) -> PatternMatch? {
        let ns = NSRange(text.startIndex..., in: text)
        return re.firstMatch(in: text, options: [], range: ns).map { PatternMatch(result: $0, text: text) }
    }

    func contains(_ text: String) -> Bool {
        let ns = NSRange(text.startIndex..., in: text)
        return re.firstMatch(in: text, options: [], range: ns) != nil
    }
}

struct PatternMatch {
    let result: NSTextCheckingResult
    let text: String

    var range: Range<String.Index> { stringRange(result.range, in: text)! }
    var value: String { String(text[range]) }

    func group(_ i: Int) -> String? {
        guard i < result.numberOfRanges, let r = stringRange(result.range(at: i), in: text) else { return nil }
        return String(text[r])
    }

    func groupRange(_ i: Int) -> Range<String.Index>? {
        guard i < result.numberOfRanges else { return nil }
        return stringRange(result.range(at: i), in: text)
    }
}

/// The identity key of DramaWire: NFKC, lowercase, without hyphens, spaces, dots or apostrophes.
func nameKey(_ s: String) -> String {
    let folded = s.precomposedStringWithCompatibilityMapping.lowercased()
    let dropped: Set<Character> = ["-", " ", ".", "'", "’", "‘", "‐", "–", "\u{00A0}", "\t", "`"]
    return String(folded.filter { !dropped.contains($0) })
}

/// Title key: like `nameKey` but also ignores a leading "the" and punctuation, because outlets
/// disagree on both while meaning the same drama.
func titleKey(_ s: String) -> String {
    var t = s.precomposedStringWithCompatibilityMapping.lowercased()
    if t.hasPrefix("the ") { t.removeFirst(4) }
    return String(t.filter { $0.isLetter || $0.isNumber || $0 == "#" })
}

func levenshtein(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

/// True when `b` is `a` with two adjacent letters swapped ("Beak" for "Baek"), the commonest typo.
func isTransposition(_ a: String, _ b: String) -> Bool {
    let a = Array(a)
    let b = Array(b)
    guard a.count == b.count, a != b else { return false }
    let diffs = (0..<a.count).filter { a[$0] != b[$0] }
    return diffs.count == 2 && diffs[1] == diffs[0] + 1 && a[diffs[0]] == b[diffs[1]] && a[diffs[1]] == b[diffs[0]]
}

func digits(of s: String) -> String { String(s.filter { $0.isNumber }) }

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }

    func utf8Offset(of index: String.Index) -> Int { utf8.distance(from: utf8.startIndex, to: index) }

    var hasHangul: Bool {
        unicodeScalars.contains { (0xAC00...0xD7A3).contains($0.value) || (0x1100...0x11FF).contains($0.value) }
    }
}

/// A match's range as String indices. `Range(_:in:)` gives nil when a boundary falls inside a
/// grapheme cluster (a regex can end a match between a letter and the combining mark after it;
/// the fuzzer found one), so such a range is taken by UTF-16 offsets instead. Nil only for
/// `NSNotFound` (an optional group that did not take part).
func stringRange(_ range: NSRange, in text: String) -> Range<String.Index>? {
    guard range.location != NSNotFound else { return nil }
    if let exact = Range(range, in: text) { return exact }
    let utf16 = text.utf16
    guard range.location <= utf16.count, range.location + range.length <= utf16.count else { return nil }
    let start = utf16.index(utf16.startIndex, offsetBy: range.location)
    return start..<utf16.index(start, offsetBy: range.length)
}
