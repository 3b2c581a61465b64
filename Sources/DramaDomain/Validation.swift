import LineProtocol

/// Limits applied to news items.
public enum NewsLimits {
    /// Longest name or title, in characters.
    public static let maximumNameLength = 300
    /// Most facts in one item.
    public static let maximumFacts = 1000
    /// Longest url, in bytes.
    public static let maximumURLBytes = 2048
    /// Longest headline, in characters.
    public static let maximumHeadlineLength = 1000
    /// Most artists on one OST, and most entries in any list.
    public static let maximumListLength = 100
}

extension NewsItem {
    /// Validates a decoded INGEST argument.
    ///
    /// Every rule of the contract is checked before anything is stored. Unknown fields are
    /// ignored, so producers can send more than this version understands.
    ///
    /// - Throws: `ERR invalid` whose message starts with the offending field path.
    public static func validate(_ json: JSON) throws(WireError) -> NewsItem {
        guard let object = json.objectValue else {
            throw WireError(.invalid, "item: expected a JSON object, got \(json.typeName)")
        }
        let v = FieldReader(object: object, path: "")
        let url = try v.requiredString("url")
        try checkURL(url)
        let publishedText = try v.requiredString("published_at")
        guard let published = Timestamp(publishedText, allowDateOnly: false) else {
            throw .invalid("published_at", "not a valid RFC 3339 date-time")
        }
        let source = try v.optionalText("source", maxLength: NewsLimits.maximumNameLength) ?? ""
        let headline = try v.optionalText("headline", maxLength: NewsLimits.maximumHeadlineLength) ?? ""
        let body = try v.optionalString("body")
        if let body, body.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw .invalid("body", "contains a NUL character")
        }
        let extract = try v.optionalBool("extract") ?? false
        var facts: [Fact] = []
        switch object["facts"] ?? .null {
        case .null:
            break
        case .array(let items):
            guard items.count <= NewsLimits.maximumFacts else {
                throw .invalid("facts", "at most \(NewsLimits.maximumFacts) facts, got \(items.count)")
            }
            facts.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                facts.append(try validateFact(item, path: "facts[\(i)]"))
            }
        case let other:
            throw .invalid("facts", "expected an array, got \(other.typeName)")
        }
        return NewsItem(
            url: url, source: source, publishedAt: published, headline: headline, body: body, facts: facts,
            extract: extract)
    }

    static func checkURL(_ url: String) throws(WireError) {
        guard url.utf8.count <= NewsLimits.maximumURLBytes else {
            throw .invalid("url", "longer than \(NewsLimits.maximumURLBytes) bytes")
        }
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else {
            throw .invalid("url", "must be an absolute http or https URL")
        }
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty,
            !url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || isFormatControl($0) })
        else {
            throw .invalid("url", "must be an absolute http or https URL with a host and no spaces")
        }
    }

    /// Validates one fact; `path` prefixes field names in errors (e.g. `facts[2]`).
    public static func validateFact(_ json: JSON, path: String) throws(WireError) -> Fact {
        try decodeFact(json, path: path, trusted: false)
    }

    /// Decodes a fact this program stored itself (already validated): types are still checked,
    /// but the per-character text checks are skipped, since they dominate recomputation.
    public static func decodeStoredFact(_ json: JSON) -> Fact? {
        try? decodeFact(json, path: "fact", trusted: true)
    }

    static func decodeFact(_ json: JSON, path: String, trusted: Bool) throws(WireError) -> Fact {
        guard let object = json.objectValue else {
            throw .invalid(path, "expected an object, got \(json.typeName)")
        }
        var fact = try decodeSuppliedFact(object, path: path, trusted: trusted)
        // Only this program's own stored facts carry extraction data; a client's claim of
        // confidence or evidence is ignored like any unknown field.
        if trusted { fact.setExtraction(Extraction.decode(object)) }
        return fact
    }

    static func decodeSuppliedFact(_ object: [String: JSON], path: String, trusted: Bool) throws(WireError) -> Fact {
        let v = FieldReader(object: object, path: path + ".", trusted: trusted)
        let kind = try v.requiredString("kind")
        switch kind {
        case "drama":
            return .drama(
                DramaFact(
                    title: try v.requiredName("title"),
                    network: try v.optionalName("network"),
                    platforms: try v.optionalNameList("platforms"),
                    premiere: try v.optionalTimestamp("premiere"),
                    episodes: try v.optionalInt("episodes", range: 1...10_000)))
        case "ost":
            let artists = try v.optionalNameList("artists") ?? []
            guard !artists.isEmpty else { throw .invalid(path + ".artists", "an OST needs at least one artist") }
            var credits: Credits?
            switch object["credits"] ?? .null {
            case .null: credits = nil
            case .object(let c):
                let cv = FieldReader(object: c, path: path + ".credits.", trusted: trusted)
                credits = Credits(
                    composer: try cv.optionalNameList("composer") ?? [],
                    lyricist: try cv.optionalNameList("lyricist") ?? [],
                    producer: try cv.optionalNameList("producer") ?? [])
            case let other:
                throw .invalid(path + ".credits", "expected an object, got \(other.typeName)")
            }
            return .ost(
                OSTFact(
                    drama: try v.requiredName("drama"),
                    song: try v.optionalName("song"),
                    part: try v.optionalInt("part", range: 1...999),
                    artists: artists,
                    release: try v.optionalTimestamp("release"),
                    status: try v.optionalEnum("status", OSTStatus.self),
                    credits: credits))
        case "casting":
            return .casting(
                CastingFact(
                    drama: try v.requiredName("drama"),
                    person: try v.requiredName("person"),
                    role: try v.optionalName("role"),
                    roleType: try v.optionalEnum("role_type", RoleType.self),
                    status: try v.optionalEnum("status", CastingStatus.self)))
        default:
            throw .invalid(path + ".kind", "must be one of drama, ost, casting")
        }
    }
}

/// Unicode format controls (bidi overrides, zero-width joiners…) that can disguise text.
func isFormatControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.generalCategory == .format
}

/// Reads typed fields from an object and reports errors with the field's path.
struct FieldReader {
    let object: [String: JSON]
    let path: String
    /// Skip text checks for data this program stored itself.
    var trusted = false

    func requiredString(_ key: String) throws(WireError) -> String {
        switch object[key] ?? .null {
        case .null: throw .invalid(path + key, "is required")
        case .string(let s): return s
        case let other: throw .invalid(path + key, "expected a string, got \(other.typeName)")
        }
    }

    func optionalString(_ key: String) throws(WireError) -> String? {
        switch object[key] ?? .null {
        case .null: return nil
        case .string(let s): return s
        case let other: throw .invalid(path + key, "expected a string, got \(other.typeName)")
        }
    }

    func optionalBool(_ key: String) throws(WireError) -> Bool? {
        switch object[key] ?? .null {
        case .null: return nil
        case .bool(let b): return b
        case let other: throw .invalid(path + key, "expected a boolean, got \(other.typeName)")
        }
    }

    /// Free text such as a headline: no control characters, bounded length; may be empty.
    func optionalText(_ key: String, maxLength: Int) throws(WireError) -> String? {
        guard let s = try optionalString(key) else { return nil }
        try Self.checkText(s, path: path + key, maxLength: maxLength, allowEmpty: true)
        return s
    }

    func requiredName(_ key: String) throws(WireError) -> String {
        let s = try requiredString(key)
        if trusted { return s }
        try Self.checkText(s, path: path + key, maxLength: NewsLimits.maximumNameLength, allowEmpty: false)
        return s.trimmingCharacters()
    }

    func optionalName(_ key: String) throws(WireError) -> String? {
        guard let s = try optionalString(key) else { return nil }
        if trusted { return s }
        try Self.checkText(s, path: path + key, maxLength: NewsLimits.maximumNameLength, allowEmpty: false)
        return s.trimmingCharacters()
    }

    func optionalNameList(_ key: String) throws(WireError) -> [String]? {
        switch object[key] ?? .null {
        case .null: return nil
        case .array(let items):
            guard items.count <= NewsLimits.maximumListLength else {
                throw .invalid(path + key, "at most \(NewsLimits.maximumListLength) entries")
            }
            var names: [String] = []
            for (i, item) in items.enumerated() {
                guard let s = item.stringValue else {
                    throw .invalid("\(path)\(key)[\(i)]", "expected a string, got \(item.typeName)")
                }
                if trusted {
                    names.append(s)
                    continue
                }
                try Self.checkText(
                    s, path: "\(path)\(key)[\(i)]", maxLength: NewsLimits.maximumNameLength, allowEmpty: false)
                names.append(s.trimmingCharacters())
            }
            return names
        case let other: throw .invalid(path + key, "expected an array of strings, got \(other.typeName)")
        }
    }

    func optionalInt(_ key: String, range: ClosedRange<Int>) throws(WireError) -> Int? {
        switch object[key] ?? .null {
        case .null: return nil
        case .int(let i) where i >= Int64(range.lowerBound) && i <= Int64(range.upperBound): return Int(i)
        case .int, .double:
            throw .invalid(path + key, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        case let other: throw .invalid(path + key, "expected an integer, got \(other.typeName)")
        }
    }

    func optionalTimestamp(_ key: String) throws(WireError) -> Timestamp? {
        guard let s = try optionalString(key) else { return nil }
        guard let t = Timestamp(s, allowDateOnly: true) else {
            throw .invalid(path + key, "not a valid RFC 3339 date or date-time")
        }
        return t
    }

    func optionalEnum<E: RawRepresentable & CaseIterable>(_ key: String, _: E.Type) throws(WireError) -> E?
    where E.RawValue == String {
        guard let s = try optionalString(key) else { return nil }
        guard let value = E(rawValue: s) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalid(path + key, "must be one of \(allowed)")
        }
        return value
    }

    /// Names and titles: non-empty after trimming, no control or format characters (bidi
    /// overrides included, so a name cannot disguise itself), at most `maxLength` characters.
    static func checkText(_ s: String, path: String, maxLength: Int, allowEmpty: Bool) throws(WireError) {
        if !allowEmpty && s.trimmingCharacters().isEmpty {
            throw .invalid(path, "must not be empty")
        }
        if s.unicodeScalars.contains(where: {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || isFormatControl($0)
        }) {
            throw .invalid(path, "contains control characters")
        }
        if s.count > maxLength {
            throw .invalid(path, "longer than \(maxLength) characters")
        }
        if !allowEmpty && NameKey.normalize(s, kind: .person).isEmpty {
            throw .invalid(path, "has no letters or digits")
        }
    }
}

extension String {
    /// The string without leading and trailing white space (any Unicode white space).
    func trimmingCharacters() -> String {
        var sub = Substring(self)
        while let f = sub.first, f.isWhitespace { sub.removeFirst() }
        while let l = sub.last, l.isWhitespace { sub.removeLast() }
        return String(sub)
    }
}
