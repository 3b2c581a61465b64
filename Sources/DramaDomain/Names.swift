import Foundation

/// What kind of entity a name refers to. Dramas and people have separate key spaces.
public enum EntityKind: String, Sendable, CaseIterable {
    case drama
    case person
}

/// Name normalization: the lookup key that makes spelling variants one entity.
///
/// The key is Unicode NFKC, lower-cased, with everything but letters and digits removed, so
/// "Kim Soo-Hyun", "Kim Soo Hyun" and "KIM SOO-HYUN" are all `kimsoohyun`. For dramas a leading
/// "The" and a trailing "(working title)" are dropped as well. Similar keys are never joined:
/// `kimsohyun` (Kim So-hyun) and `kimsoohyun` (Kim Soo-hyun) are different people; joining them
/// takes an explicit MERGE.
public enum NameKey {
    /// The normalization key of `name`, or an empty string if it has no letters or digits.
    public static func normalize(_ name: String, kind: EntityKind) -> String {
        if kind == .person, let key = asciiKey(name) { return key }
        // ASCII is already in NFKC: skip Foundation's (slow) normalization for it.
        var text = (name.utf8.allSatisfy { $0 < 0x80 } ? name : name.precomposedStringWithCompatibilityMapping)
            .lowercased()
        if kind == .drama {
            text = strippingDramaDecorations(text)
        }
        var key = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where isKeyScalar(scalar) {
            key.append(scalar)
        }
        return String(key)
    }

    /// The key of a pure-ASCII person name, without Foundation's (slow) NFKC: ASCII text is
    /// already in NFKC, so lower-casing and keeping letters and digits is the whole job.
    private static func asciiKey(_ name: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
            case 0x80...: return nil
            default: continue
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Letters (any script, including Hangul) and digits; combining marks are kept so that
    /// decomposed letters stay distinct.
    private static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark: return true
        default: return false
        }
    }

    /// Drops surrounding quotes, a trailing "(working title)" and a leading "the".
    private static func strippingDramaDecorations(_ lowered: String) -> String {
        // Scalar trimming, not Foundation's `trimmingCharacters(in:)`: this runs for every drama
        // name of every item, and the CharacterSet path was a tenth of the writer's CPU.
        var text = trimmed(Substring(lowered), isWhitespaceOrNewline)
        text = trimmed(text) { isQuote($0) || isWhitespace($0) }
        for suffix in ["(working title)", "(tentative title)", "(wt)"] where text.hasSuffix(suffix) {
            text = trimmed(text.dropLast(suffix.count)) { isQuote($0) || isWhitespace($0) }
        }
        if text.hasPrefix("the ") {
            let rest = text.dropFirst(4)
            // A title that is only "The" (or "The" and digits) keeps it, so the key never
            // collapses to nothing or to a bare number.
            if rest.contains(where: { $0.isLetter }) { text = rest }
        }
        return String(text)
    }

    /// `text` without leading and trailing scalars that satisfy `drop`.
    private static func trimmed(_ text: Substring, _ drop: (Unicode.Scalar) -> Bool) -> Substring {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !drop($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !drop($0) })!
        return Substring(scalars[first...last])
    }

    /// Foundation's `.whitespaces`: space separators and tab.
    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// Foundation's `.whitespacesAndNewlines`: the above, U+000A to U+000D, U+0085 and the
    /// line and paragraph separators.
    private static func isWhitespaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x85, 0x2028, 0x2029: return true
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    private static func isQuote(_ scalar: Unicode.Scalar) -> Bool {
        "\"'“”‘’「」『』《》<>".unicodeScalars.contains(scalar)
    }

    /// Picks the display spelling among `candidates`: the one used by the latest article
    /// (by published instant, then URL, then the spelling itself), so the choice depends only on
    /// the set of articles, never on ingestion order.
    public static func preferredSpelling(_ candidates: [SpellingUse]) -> String? {
        candidates.max { a, b in
            (a.publishedMillis, a.url, a.spelling) < (b.publishedMillis, b.url, b.spelling)
        }?.spelling
    }
}

/// One use of a spelling by an article, for choosing display names.
public struct SpellingUse: Sendable, Hashable {
    /// The spelling as written.
    public var spelling: String
    /// When the article was published (Unix milliseconds).
    public var publishedMillis: Int64
    /// The article's url, the tie-breaker.
    public var url: String

    /// Creates a use.
    public init(spelling: String, publishedMillis: Int64, url: String) {
        self.spelling = spelling
        self.publishedMillis = publishedMillis
        self.url = url
    }
}
