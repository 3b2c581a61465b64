/// An RFC 3339 date-time, or a plain date where no time is known, validated and kept as written.
///
/// The original text (with its offset, e.g. `+09:00`) is what is stored and shown; ``instantMillis``
/// is only for ordering. Impossible dates such as 2014-02-29 are rejected, never coerced.
public struct Timestamp: Sendable, Hashable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// The instant in Unix milliseconds. A date without a time is taken as midnight KST (UTC+9),
    /// because Korean news dates are KST dates.
    public let instantMillis: Int64
    /// Whether a time of day was given.
    public let hasTime: Bool

    public var description: String { text }

    /// Parses `text`; nil when it is not a valid RFC 3339 date-time (or date, if allowed).
    public init?(_ text: String, allowDateOnly: Bool) {
        let b = Array(text.utf8)
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<start + count {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard let year = digits(0, 4), b.count >= 10, b[4] == 45, let month = digits(5, 2), b[7] == 45,
            let day = digits(8, 2), (1...12).contains(month), year >= 1
        else { return nil }
        guard (1...Self.daysIn(month: month, year: year)).contains(day) else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        if b.count == 10 {
            guard allowDateOnly else { return nil }
            self.text = text
            self.instantMillis = (Int64(days) * 86_400 - 9 * 3600) * 1000
            self.hasTime = false
            return
        }
        guard b.count >= 17, b[10] == 84 || b[10] == 116 || b[10] == 32,  // 'T', 't' or ' '
            let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2), hour < 24, minute < 60
        else { return nil }
        var i = 16
        var second = 0
        var millis = 0
        if i < b.count, b[i] == 58 {
            guard let s = digits(i + 1, 2), s < 61 else { return nil }  // 60: leap second
            second = min(s, 59)
            i += 3
            if i < b.count, b[i] == 46 {
                i += 1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
                guard i > start, i - start <= 9 else { return nil }
                let fraction = String(decoding: b[start..<min(start + 3, i)], as: UTF8.self)
                millis = Int(fraction.padding(toLength: 3, withPad: "0", startingAt: 0)) ?? 0
            }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == 90 || b[i] == 122 {  // 'Z' / 'z'
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = digits(i + 1, 2), b.count > i + 3, b[i + 3] == 58, let om = digits(i + 4, 2),
                oh < 24, om < 60
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        self.text = text
        self.instantMillis = seconds * 1000 + Int64(millis)
        self.hasTime = true
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
    /// civil_from_days; the inverse of ``daysFromCivil(year:month:day:)``).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Formats Unix milliseconds as RFC 3339 UTC with milliseconds, e.g. `2024-04-19T00:31:02.120Z`.
    public static func formatUTC(millis: Int64) -> String {
        let totalSeconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - totalSeconds * 1000)
        let days = Int(totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400)
        let secs = Int(totalSeconds - Int64(days) * 86_400)
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):"
            + "\(pad(secs % 60, 2)).\(pad(ms, 3))Z"
    }
}

extension Timestamp {
    /// Korea Standard Time: UTC+9, no daylight saving.
    static let kstOffsetMillis: Int64 = 9 * 3_600_000

    /// The time for people in Korea: `2024-04-29 12:00 KST`, keeping the original when it was
    /// given in another offset (`2024-04-29 12:00 KST (given as 2024-04-29T03:00:00Z)`). A date
    /// alone stays a date.
    public var kstDisplay: String {
        guard hasTime else { return text }
        let utc = Self.formatUTC(millis: instantMillis + Self.kstOffsetMillis)
        let local = String(utc.prefix(10)) + " " + String(utc.dropFirst(11).prefix(5)) + " KST"
        return text.hasSuffix("+09:00") ? local : local + " (given as \(text))"
    }

    /// ``kstDisplay`` of an RFC 3339 text; the text itself when it does not parse.
    public static func kstDisplay(_ text: String) -> String {
        Timestamp(text, allowDateOnly: true)?.kstDisplay ?? text
    }
}
