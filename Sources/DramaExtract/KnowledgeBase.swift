import Foundation

/// Real drama titles and performers' names shipped with the extractor, gathered as facts from
/// public lists (`KnowledgeBase/*.tsv`, with their sources). They let it see what news writes
/// without the cues it otherwise needs: a title without quotes, a one-word stage name, a group.
///
/// An article only ever meets the few names it mentions: ``names(in:)`` finds them by the
/// normalization keys of runs of up to six words, one hash lookup per run, so the cost is
/// proportional to the article, not to the size of the lists.
public enum KnowledgeBase {
    /// Entries by normalization key: the spellings to report, as the lists write them.
    struct Index: Sendable {
        var people: [String: [String]] = [:]
        var dramas: [String: [String]] = [:]
    }

    /// Titles shorter than this (letters and digits) are left out: "Home" or "Mother" would turn
    /// every use of the word into a drama (the same rule as the database's names).
    static let minimumTitleKeyLength = 6
    /// Names shorter than this (letters and digits) are left out: a single letter matches too much.
    static let minimumNameKeyLength = 2
    /// The most words a name or title spans.
    static let maximumWords = 6

    static let index: Index = {
        var index = Index()
        func add(_ name: String, to table: inout [String: [String]], minimum: Int) {
            let name = name.trimmingCharacters(in: .whitespaces)
            let tokens = words(name)
            let key = tokens.joined(separator: " ")
            guard tokens.joined().count >= minimum, !table[key, default: []].contains(name) else { return }
            table[key, default: []].append(name)
        }
        for line in KnowledgeBaseData.dramas.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4 else { continue }
            for title in [String(fields[0])] + fields[1].components(separatedBy: " | ") where !title.isEmpty {
                // Hangul titles are matched too: some English articles quote the original.
                add(title, to: &index.dramas, minimum: minimumTitleKeyLength)
            }
        }
        for line in KnowledgeBaseData.performers.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4 else { continue }
            for name in [String(fields[0])] + fields[2].components(separatedBy: " | ") where !name.isEmpty {
                add(name, to: &index.people, minimum: minimumNameKeyLength)
            }
        }
        return index
    }()

    /// The number of titles and names indexed (for tests and logs).
    public static var counts: (dramas: Int, people: Int) { (index.dramas.count, index.people.count) }

    /// The shipped names that `text` mentions, spelled as the lists spell them.
    public static func names(in text: String) -> KnownNames {
        let original = words(text, lowercased: false)
        let tokens = original.map { $0.lowercased() }
        var people: [String] = []
        var dramas: [String] = []
        var seen = Set<String>()
        for start in tokens.indices {
            var key = ""
            for end in start..<min(tokens.count, start + maximumWords) {
                // Words joined with a space: "Baek Hyun" must not find the one-word "Baekhyun".
                key += end == start ? tokens[end] : " " + tokens[end]
                if let found = index.people[key] {
                    // A name in capitals ("APRIL", "TWICE") is one only where the text writes it so:
                    // "April 21" is a date.
                    let written = original[start...end].joined(separator: " ")
                    for name in found where !isCapitals(name) || written == written.uppercased() {
                        if seen.insert(name).inserted { people.append(name) }
                    }
                }
                if let found = index.dramas[key] {
                    for title in found where seen.insert(title).inserted { dramas.append(title) }
                }
            }
        }
        return KnownNames(people: people, dramas: dramas)
    }

    /// The keys of every run of 1 to `maximumWords` consecutive words of `text`, the words
    /// written together: a name is among them, however it is spaced or hyphenated there, when
    /// ``runKey(_:)`` of the name is ("Kim Soohyun's" gives "kimsoohyun", the key of "Kim Soo-hyun").
    public static func wordRunKeys(_ text: String, maximumWords: Int) -> Set<String> {
        let tokens = words(text)
        var keys = Set<String>()
        keys.reserveCapacity(tokens.count * min(maximumWords, 6))
        for start in tokens.indices {
            var key = ""
            for end in start..<min(tokens.count, start + maximumWords) {
                key += tokens[end]
                keys.insert(key)
            }
        }
        return keys
    }

    /// A name's key for ``wordRunKeys(_:maximumWords:)``: its words written together.
    public static func runKey(_ name: String) -> String { words(name).joined() }

    /// Whether every letter of `name` is a capital (and it has at least two).
    static func isCapitals(_ name: String) -> Bool {
        let letters = name.unicodeScalars.filter { $0.properties.isAlphabetic }
        return letters.count >= 2 && letters.allSatisfy { $0.properties.isUppercase }
    }

    /// Lower-cased runs of letters and digits: joined, they are a name's key here ("Kim Soo-hyun"
    /// and "KIM SOO HYUN" both give kim, soo, hyun; "D.O." gives d, o).
    static func words(_ text: String, lowercased: Bool = true) -> [String] {
        var result: [String] = []
        var current = ""
        let normalized = text.precomposedStringWithCompatibilityMapping
        for scalar in (lowercased ? normalized.lowercased() : normalized).unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                // Apostrophes split too: "IU's" must still find IU.
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

extension KnownNames {
    /// These names, with the shipped knowledge base's for `text` after them (the database's
    /// spelling wins where both know a name).
    public func addingKnowledgeBase(for text: String) -> KnownNames {
        let shipped = KnowledgeBase.names(in: text)
        return KnownNames(people: people + shipped.people, dramas: dramas + shipped.dramas)
    }
}
