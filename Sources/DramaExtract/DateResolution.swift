import Foundation

/// A civil date in Korea Standard Time.
struct KSTDate: Sendable, Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int

    static func < (a: KSTDate, b: KSTDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        default: return 0
        }
    }

    /// Nil for impossible dates (February 30): sources print them, and coercing would invent a fact.
    static func valid(_ y: Int, _ m: Int, _ d: Int) -> KSTDate? {
        guard (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else { return nil }
        return KSTDate(year: y, month: m, day: d)
    }

    func adding(days n: Int) -> KSTDate {
        var r = self
        var n = n
        while n > 0 {
            r.day += 1
            if r.day > KSTDate.daysIn(month: r.month, year: r.year) {
                r.day = 1
                r.month += 1
                if r.month > 12 {
                    r.month = 1
                    r.year += 1
                }
            }
            n -= 1
        }
        while n < 0 {
            r.day -= 1
            if r.day < 1 {
                r.month -= 1
                if r.month < 1 {
                    r.month = 12
                    r.year -= 1
                }
                r.day = KSTDate.daysIn(month: r.month, year: r.year)
            }
            n += 1
        }
        return r
    }

    var ordinal: Int { year * 372 + month * 31 + day }

    /// 1 = Monday … 7 = Sunday.
    var isoWeekday: Int {
        // Days since 1970-01-01 (a Thursday), by the civil-from-days algorithm run backwards.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return ((days % 7 + 7 + 3) % 7) + 1
    }

    var iso: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }
}

/// How a sentence frames the date, which decides the year or month of a partial date.
enum DateTense {
    case past
    case future
    case unknown
}

/// A date expression found in a sentence, not yet resolved.
struct DateMention {
    enum Kind {
        case absolute(year: Int?, month: Int, day: Int)
        case dayOnly(Int)
        case relative(Int)
        /// "on Wednesday": 1 = Monday … 7 = Sunday.
        case weekday(Int)
    }

    var kind: Kind
    var range: Range<String.Index>
    var hour: Int?
    var minute: Int?
}

/// Resolves the relative and partial dates of Korean entertainment news against the publication
/// date in KST ("on the 15th", "tomorrow", "February 6 KST", "6 p.m. KST").
struct DateResolver: Sendable {
    let published: KSTDate?

    init(publishedAt: String) {
        published = DateResolver.parseKST(publishedAt)
    }

    private static let rfc3339 = Pattern(
        #"^\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?"#)

    static func parseKST(_ s: String) -> KSTDate? {
        guard let m = rfc3339.firstMatch(in: s), let y = Int(m.group(1) ?? ""), let mo = Int(m.group(2) ?? ""),
            let d = Int(m.group(3) ?? ""), let date = KSTDate.valid(y, mo, d)
        else { return nil }
        guard let h = Int(m.group(4) ?? ""), let mi = Int(m.group(5) ?? "") else { return date }
        var offset = 9 * 60
        if let z = m.group(7) {
            if z == "Z" || z == "z" {
                offset = 0
            } else {
                let sign = z.hasPrefix("-") ? -1 : 1
                let body = z.dropFirst().replacingOccurrences(of: ":", with: "")
                let oh = Int(body.prefix(2)) ?? 0
                let om = Int(body.suffix(2)) ?? 0
                offset = sign * (oh * 60 + om)
            }
        }
        let local = h * 60 + mi - offset + 9 * 60
        let dayShift = local >= 0 ? local / 1440 : -((-local + 1439) / 1440)
        return date.adding(days: dayShift)
    }

    private static let monthNames =
        "(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
    private static let isoDate = Pattern(#"\b(\d{4})[-./](\d{1,2})[-./](\d{1,2})\b"#)
    private static let monthDay = Pattern(
        #"\b"# + monthNames + #"\.? (\d{1,2})(?:st|nd|rd|th)?\b(?:,? (\d{4})\b)?"#)
    private static let dayMonth = Pattern(
        #"\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?"# + monthNames + #"\b\.?(?:,? (\d{4})\b)?"#)
    private static let dayOnly = Pattern(
        #"\b(?:on |by |until |from )?the (\d{1,2})(?:st|nd|rd|th)\b(?! (?:ost|part|episode|anniversary|season|album|single|mini|lineup|line-up|track|song|week|day|year|time|round|place|spot|highest|generation|century|birthday|edition|film|drama|series|installment|instalment|volume|soundtrack|batch|runner|member|most))"#
    )
    private static let weekday = Pattern(
        #"(?<!\bevery\s)(?<!\bevery\s(?:other|next)\s)(?<![-\w])(?:on\s+|this\s+|last\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b(?![-s]|\s+(?:and|through|to|-)\s+\w+day|,?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d|,?\s+\d{1,2}\b)"#
    )
    private static let weekdayNumbers: [String: Int] = [
        "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
    ]
    private static let relativeDay = Pattern(#"\b(today|tonight|tomorrow|yesterday|this evening)\b"#)
    private static let clock = Pattern(
        #"\b(\d{1,2})(?:[:.](\d{2}))? ?([ap])\.? ?m\b\.?|\b([01]?\d|2[0-3]):([0-5]\d)\b|\b(noon|midday|midnight)\b"#)

    /// All date expressions in `text`, each with the clock time written next to it.
    func mentions(in text: String) -> [DateMention] {
        var found: [DateMention] = []
        func overlaps(_ r: Range<String.Index>) -> Bool { found.contains { $0.range.overlaps(r) } }
        for m in DateResolver.isoDate.matches(in: text) {
            guard let y = Int(m.group(1)!), let mo = Int(m.group(2)!), let d = Int(m.group(3)!) else { continue }
            found.append(DateMention(kind: .absolute(year: y, month: mo, day: d), range: m.range))
        }
        for m in DateResolver.monthDay.matches(in: text) where !overlaps(m.range) {
            let name = m.group(1)!.lowercased()
            // "may" is mostly the verb; accept it only when capitalized.
            if name == "may" && m.group(1)! != "May" { continue }
            guard let mo = Gazetteer.months[name], let d = Int(m.group(2)!) else { continue }
            found.append(
                DateMention(kind: .absolute(year: m.group(3).flatMap { Int($0) }, month: mo, day: d), range: m.range))
        }
        for m in DateResolver.dayMonth.matches(in: text) where !overlaps(m.range) {
            let name = m.group(2)!.lowercased()
            if name == "may" && m.group(2)! != "May" { continue }
            guard let mo = Gazetteer.months[name], let d = Int(m.group(1)!) else { continue }
            found.append(
                DateMention(kind: .absolute(year: m.group(3).flatMap { Int($0) }, month: mo, day: d), range: m.range))
        }
        for m in DateResolver.dayOnly.matches(in: text) where !overlaps(m.range) {
            guard let d = Int(m.group(1)!) else { continue }
            found.append(DateMention(kind: .dayOnly(d), range: m.range))
        }
        for m in DateResolver.relativeDay.matches(in: text) where !overlaps(m.range) {
            let w = m.group(1)!.lowercased()
            let shift = w == "tomorrow" ? 1 : (w == "yesterday" ? -1 : 0)
            found.append(DateMention(kind: .relative(shift), range: m.range))
        }
        for m in DateResolver.weekday.matches(in: text) where !overlaps(m.range) {
            // "Saturday, April 11" is dated already; a weekday right after a date repeats it.
            let before = text[text.startIndex..<m.range.lowerBound].suffix(12)
            if found.contains(where: {
                text.distance(from: $0.range.upperBound, to: m.range.lowerBound) >= 0
                    && text.distance(from: $0.range.upperBound, to: m.range.lowerBound) <= 3
            }) || before.hasSuffix("(") {
                continue
            }
            guard let n = DateResolver.weekdayNumbers[m.group(1)!.lowercased()] else { continue }
            found.append(DateMention(kind: .weekday(n), range: m.range))
        }
        found.sort { $0.range.lowerBound < $1.range.lowerBound }
        // Attach each clock time to the nearest date expression in the sentence.
        for m in DateResolver.clock.matches(in: text) {
            if found.contains(where: { $0.range.overlaps(m.range) }) { continue }
            var hour: Int
            var minute = 0
            if let h = m.group(1).flatMap({ Int($0) }) {
                hour = h
                minute = m.group(2).flatMap { Int($0) } ?? 0
                let pm = m.group(3)!.lowercased() == "p"
                guard (1...12).contains(hour) else { continue }
                if pm && hour != 12 { hour += 12 }
                if !pm && hour == 12 { hour = 0 }
            } else if let h = m.group(4).flatMap({ Int($0) }) {
                hour = h
                minute = m.group(5).flatMap { Int($0) } ?? 0
            } else {
                hour = m.group(6)!.lowercased() == "midnight" ? 0 : 12
            }
            guard minute < 60 else { continue }
            var best: Int?
            var bestDistance = Int.max
            for (i, f) in found.enumerated() where f.hour == nil {
                let d =
                    f.range.lowerBound > m.range.upperBound
                    ? text.distance(from: m.range.upperBound, to: f.range.lowerBound)
                    : text.distance(from: f.range.upperBound, to: m.range.lowerBound)
                if d < bestDistance {
                    bestDistance = d
                    best = i
                }
            }
            // "premiered on Feb. 22 and airs every Saturday at 8 p.m.": a slot time is not the date's time.
            if let b = best, bestDistance <= 30,
                text[
                    min(
                        found[b].range.upperBound, m.range.lowerBound)..<max(
                            found[b].range.lowerBound, m.range.upperBound)
                ]
                .range(of: "every", options: .caseInsensitive) == nil
            {
                found[b].hour = hour
                found[b].minute = minute
            }
        }
        return found
    }

    /// The RFC 3339 value for a mention, or nil when the date is impossible or cannot be placed.
    func resolve(_ m: DateMention, tense: DateTense) -> String? {
        guard let date = resolveDate(m.kind, tense: tense) else { return nil }
        if let h = m.hour, let mi = m.minute {
            return date.iso + String(format: "T%02d:%02d:00+09:00", h, mi)
        }
        return date.iso
    }

    private func resolveDate(_ kind: DateMention.Kind, tense: DateTense) -> KSTDate? {
        switch kind {
        case .absolute(let year?, let month, let day):
            return KSTDate.valid(year, month, day)
        case .absolute(nil, let month, let day):
            guard let p = published else { return nil }
            let candidates = [p.year - 1, p.year, p.year + 1].compactMap { KSTDate.valid($0, month, day) }
            guard !candidates.isEmpty, KSTDate.valid(2000, month, day) != nil || month == 2 else { return nil }
            // A February 29 in a non-leap year is impossible as printed.
            guard KSTDate.valid(p.year, month, day) != nil || month != 2 || day != 29 else { return nil }
            switch tense {
            case .past:
                return candidates.filter { $0 <= p }.max()
            case .future:
                return candidates.filter { $0 >= p }.min()
            case .unknown:
                return candidates.min { abs($0.ordinal - p.ordinal) < abs($1.ordinal - p.ordinal) }
            }
        case .dayOnly(let day):
            guard let p = published else { return nil }
            if tense == .past {
                if day <= p.day { return KSTDate.valid(p.year, p.month, day) }
                let prev = p.month == 1 ? (p.year - 1, 12) : (p.year, p.month - 1)
                return KSTDate.valid(prev.0, prev.1, day)
            }
            if day >= p.day { return KSTDate.valid(p.year, p.month, day) }
            let next = p.month == 12 ? (p.year + 1, 1) : (p.year, p.month + 1)
            return KSTDate.valid(next.0, next.1, day)
        case .relative(let shift):
            return published?.adding(days: shift)
        case .weekday(let n):
            // The next such weekday on or after publication for news to come, the last one before for news past.
            guard let p = published, tense != .unknown else { return nil }
            let today = p.isoWeekday
            if tense == .future { return p.adding(days: (n - today + 7) % 7) }
            return p.adding(days: -((today - n + 7) % 7))
        }
    }
}
