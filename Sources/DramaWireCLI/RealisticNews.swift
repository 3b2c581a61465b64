import ArgumentParser
import DramaDomain
import LineProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// News items shaped like real K-drama news, for `dramawire bench ingest`.
///
/// A catalogue of `dramas` dramas and `people` people, each drama with a fixed roster of at most
/// ``maximumCast`` cast entries and ``maximumOSTParts`` OST parts, as real dramas have. Articles
/// pick their drama with Zipf popularity (a few dramas are in the news all the time, most rarely),
/// and are a mix of new articles (casting news moving from rumoured to confirmed as the drama's
/// time in the news goes on, OST parts announced then released, drama details), re-sent
/// duplicates, corrections of an earlier article and status changes (one cast member leaves each
/// drama, and is no longer reported in it afterwards). Every item is a pure function of (run, worker, n), so a duplicate or a
/// correction regenerates the earlier item without shared state between connections.
struct RealisticNews: Sendable {
    static let maximumCast = 50
    static let maximumOSTParts = 30
    /// How many dramas are in the news at once under ``Popularity/airing`` (about a year of
    /// Korean dramas: those in production, airing or just ended).
    static let inTheNews = 150
    /// Articles between one drama entering the news and the next (airing popularity).
    static let articlesPerDrama = 200
    /// Articles per day of publication dates (about 128,000 a year).
    static let articlesPerDay = 350

    /// How articles pick their drama.
    enum Popularity: String, Sendable, CaseIterable, ExpressibleByArgument {
        /// A sliding window of ``inTheNews`` dramas is in the news at any time, each entering
        /// ``articlesPerDrama`` articles after the previous one, with Zipf popularity among them
        /// (each drama has a fixed rank, a hit or not). Articles arrive in publication order, and
        /// corrections and re-sends concern recent articles. So a drama's coverage, and every
        /// history about it, stops growing once it leaves the news, as in real news, while the
        /// database's total history grows without end.
        case airing
        /// Zipf popularity over the whole catalogue at all times, dates uniform over eight years:
        /// the top drama gets a ninth of all news forever, so its documents grow without bound.
        case stationary
    }

    let dramas: Int
    let people: Int
    let popularity: Popularity
    /// Connections the items are spread over, and the article position the run starts at: the
    /// timeline position of item `n` of `worker` is `start + n * workers + worker`.
    let workers: Int
    let start: Int
    private let dramaCDF: [Double]
    private let personCDF: [Double]
    /// Airing popularity: each drama's Zipf weight, from its fixed rank among ``inTheNews``.
    private let dramaWeight: [Double]
    /// Each drama's cast (``castMember(_:_:)``).
    private let rosters: [[Int]]

    init(dramas: Int, people: Int, popularity: Popularity = .airing, workers: Int = 1, start: Int = 0) {
        self.dramas = max(1, dramas)
        self.people = max(2, people)
        self.popularity = popularity
        self.workers = max(1, workers)
        self.start = max(0, start)
        dramaCDF = Self.zipfCDF(self.dramas, exponent: 1.0)
        personCDF = Self.zipfCDF(self.people, exponent: 0.9)
        let cohort = min(self.dramas, Self.inTheNews)
        dramaWeight = (0..<self.dramas).map { d in 1 / Double(1 + Int(Self.seed(d, 9) % UInt64(cohort))) }
        let cdf = personCDF
        rosters = (0..<self.dramas).map { d in
            Self.roster(d, size: 6 + Int(Self.seed(d, 1) % UInt64(Self.maximumCast - 5)), cdf)
        }
    }

    /// The same catalogue and popularity, for another set of connections starting elsewhere on
    /// the timeline (a run that follows a preload continues its timeline).
    func continued(workers: Int, start: Int) -> RealisticNews {
        RealisticNews(dramas: dramas, people: people, popularity: popularity, workers: workers, start: start)
    }

    /// Where item `n` of `worker` is on the timeline, in articles.
    func position(worker: Int, n: Int) -> Int { start + n * workers + worker }

    /// The drama an article at timeline position `t` is about, for a uniform `u` in 0..<1.
    func drama(at t: Int, _ u: Double) -> Int {
        guard popularity == .airing, dramas > Self.inTheNews else {
            // Stationary, or a catalogue small enough to be in the news all at once (the
            // hot-spot stress): Zipf over every drama, the first the most popular.
            return Self.draw(dramaCDF, u)
        }
        let first = t / Self.articlesPerDrama
        var total = 0.0
        for i in 0..<Self.inTheNews { total += dramaWeight[(first + i) % dramas] }
        var target = u * total
        for i in 0..<Self.inTheNews {
            let d = (first + i) % dramas
            target -= dramaWeight[d]
            if target < 0 { return d }
        }
        return (first + Self.inTheNews - 1) % dramas
    }

    // MARK: - Names

    static let families = [
        "Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin", "Kwon",
        "Hwang", "Ahn", "Song", "Jeon", "Hong", "Yoo", "Ko", "Moon", "Yang", "Son", "Bae", "Baek", "Heo", "Nam", "Shim",
        "Noh", "Ha", "Kwak", "Sung", "Cha", "Joo", "Woo", "Koo", "Min", "Ryu",
    ]
    static let syllables = [
        "ji", "soo", "min", "hye", "woo", "seo", "do", "ha", "jae", "yu", "tae", "bo", "sung", "hyun", "ye", "joon",
        "na", "eun", "chang", "so", "young", "jin", "hee", "kyung", "seung", "yeon", "jun", "won", "ah", "rim", "bin",
        "gyu", "hwan", "mi", "ra", "yoon", "il", "chan", "sol", "in",
    ]
    static let adjectives = [
        "Silent", "Crimson", "Hidden", "Last", "Golden", "Midnight", "Broken", "Secret", "Wild", "Gentle", "Frozen",
        "Burning", "Lonely", "Brave", "Endless", "Falling", "Painted", "Distant", "Lucky", "Shining", "Restless",
        "Quiet", "Stolen", "Second", "Little",
    ]
    static let nouns = [
        "Garden", "Signal", "Crown", "River", "Letter", "Winter", "Harbor", "Orchard", "Palace", "Detective", "Doctor",
        "Kitchen", "Summer", "Lantern", "Runner", "Verdict", "Station", "Bakery", "Island", "Melody", "Mirror",
        "Village", "Academy", "Empire", "Mansion", "Promise", "Season", "Tide", "Forest", "Office",
    ]
    static let tails = ["", " of Seoul", " in Busan", " Diaries", " Returns", " Club", " Hotel", " Story"]

    /// A distinct romanized name for each index ("Park Ji-hyun").
    static func person(_ i: Int) -> String {
        let f = families[i % families.count]
        let a = syllables[(i / families.count) % syllables.count]
        let b = syllables[(i / (families.count * syllables.count)) % syllables.count]
        let round = i / (families.count * syllables.count * syllables.count)
        let given = a.prefix(1).uppercased() + a.dropFirst() + "-" + b
        return round == 0 ? "\(f) \(given)" : "\(f) \(given) \(round + 1)"
    }

    /// A distinct title for each index ("The Silent Garden of Seoul").
    static func drama(_ i: Int) -> String {
        let base = adjectives.count * nouns.count * tails.count
        let title =
            "The \(adjectives[i % adjectives.count]) \(nouns[(i / adjectives.count) % nouns.count])"
            + tails[(i / (adjectives.count * nouns.count)) % tails.count]
        return i < base ? title : "\(title) \(i / base + 1)"
    }

    // MARK: - Popularity

    static func zipfCDF(_ n: Int, exponent: Double) -> [Double] {
        var cdf = [Double](repeating: 0, count: n)
        var total = 0.0
        for k in 0..<n {
            total += 1 / pow(Double(k + 1), exponent)
            cdf[k] = total
        }
        return cdf.map { $0 / total }
    }

    /// The index whose cumulative probability first reaches `u` (0..<1).
    static func draw(_ cdf: [Double], _ u: Double) -> Int {
        var low = 0
        var high = cdf.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cdf[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// A deterministic pseudo-random stream for one item (SplitMix64).
    struct Stream {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    }

    static func seed(_ parts: Int...) -> UInt64 {
        var h: UInt64 = 1_469_598_103_934_665_603
        for p in parts {
            h = (h ^ UInt64(bitPattern: Int64(p))) &* 1_099_511_628_211
        }
        return h
    }

    /// Drama `d`'s roster sizes, fixed for the drama.
    func castSize(_ d: Int) -> Int { rosters[d].count }
    func ostParts(_ d: Int) -> Int { 3 + Int(Self.seed(d, 2) % UInt64(Self.maximumOSTParts - 2)) }

    /// The person in slot `j` of drama `d`'s cast (or singing part `k`): popular people more often.
    /// A drama's cast are distinct people (one role each), so a slot whose draw is already in an
    /// earlier slot draws again.
    func castMember(_ d: Int, _ j: Int) -> Int { rosters[d][j] }

    /// Drama `d`'s cast, slot by slot (drawn once, at init: the generator is on the hot path).
    static func roster(_ d: Int, size: Int, _ cdf: [Double]) -> [Int] {
        var taken = Set<Int>()
        var cast: [Int] = []
        for slot in 0..<size {
            var s = Stream(state: seed(d, slot, 3))
            var member = 0
            repeat { member = draw(cdf, s.unit()) } while taken.contains(member) && taken.count < cdf.count
            taken.insert(member)
            cast.append(member)
        }
        return cast
    }
    func singer(_ d: Int, _ k: Int) -> Int {
        var s = Stream(state: Self.seed(d, k, 4))
        return Self.draw(personCDF, s.unit())
    }

    /// How far drama `d` is through its time in the news at timeline position `t`: 0 when it
    /// enters, towards 1 when it leaves. A catalogue that is in the news all at once (stationary
    /// popularity, the hot-spot stress) goes through the stages every 30,000 articles instead.
    func newsAge(_ d: Int, at t: Int) -> Double {
        guard popularity == .airing, dramas > Self.inTheNews else { return Double(t % 30_000) / 30_000 }
        // The window is dramas first ..< first + inTheNews; the one that entered last is at its end.
        let offset = ((d - t / Self.articlesPerDrama) % dramas + dramas) % dramas
        return Double(max(0, Self.inTheNews - 1 - offset)) / Double(Self.inTheNews)
    }

    /// A casting's status as the news reports it at a drama's `age`: rumoured, then offered or in
    /// talks, then confirmed, each casting at its own moment early in the drama's time in the
    /// news (real castings are settled before a drama airs, and later articles repeat them).
    func castingStatus(_ d: Int, _ j: Int, age: Double) -> String {
        var s = Stream(state: Self.seed(d, j, 10))
        let confirmedAt = 0.05 + 0.15 * s.unit()
        if age >= confirmedAt { return "confirmed" }
        if age < confirmedAt / 2 { return "rumored" }
        return s.below(2) == 0 ? "offered" : "in_talks"
    }

    /// The cast slot of drama `d` whose member leaves the drama, and when (its age in the news).
    func leaving(_ d: Int) -> Int { Int(Self.seed(d, 11) % UInt64(castSize(d))) }
    func leavingAge(_ d: Int) -> Double { 0.2 + 0.5 * Double(Self.seed(d, 13) % 1000) / 1000 }

    // MARK: - Items

    enum Kind {
        case new, duplicate, correction, statusChange
    }

    /// Item `n` of `worker` in `run`: 75 % new articles, 10 % re-sent duplicates, 8 % corrections,
    /// 7 % status changes (dropping out, declining). Under airing popularity a duplicate or a
    /// correction is of one of the worker's last 50 articles (a few days of news), not of any.
    func item(run: String, worker: Int, n: Int) -> String {
        var s = Stream(state: Self.seed(worker, n, 5))
        let roll = s.unit()
        func earlier() -> Int { popularity == .airing ? n - 1 - s.below(min(n, 50)) : s.below(n) }
        if n > 0 && roll < 0.10 {
            return article(run: run, worker: worker, n: earlier(), variant: 0)
        }
        if n > 0 && roll < 0.18 {
            return article(run: run, worker: worker, n: earlier(), variant: 1 + s.below(3))
        }
        if roll < 0.25 {
            return statusChange(run: run, worker: worker, n: n)
        }
        return article(run: run, worker: worker, n: n, variant: 0)
    }

    private func url(_ run: String, _ worker: Int, _ n: Int) -> String {
        "https://bench.example/\(run)/\(worker)/\(n)"
    }

    /// A publication instant: under airing popularity the timeline's day (from 2019-01-01 KST),
    /// else uniform over eight years.
    private func date(_ s: inout Stream, at t: Int) -> String {
        let hour = 10 + s.below(10)
        let (year, month, day) =
            popularity == .airing
            ? Timestamp.civilFromDays(17_897 + t / Self.articlesPerDay)  // 2019-01-01
            : (2019 + s.below(8), 1 + s.below(12), 1 + s.below(28))
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)T\(hour):00:00+09:00"
    }

    /// A new article (variant 0) or a correction of it (another variant: other statuses and parts).
    func article(run: String, worker: Int, n: Int, variant: Int) -> String {
        var s = Stream(state: Self.seed(worker, n, 6))
        let t = position(worker: worker, n: n)
        let d = drama(at: t, s.unit())
        let published = date(&s, at: t)
        var v = Stream(state: Self.seed(worker, n, 7, variant))
        let title = Self.drama(d)
        var facts: [JSON] = []
        if s.unit() < 0.3 {
            facts.append([
                "kind": "drama", "title": .string(title),
                "network": .string(["tvN", "JTBC", "SBS", "KBS2", "MBC", "ENA", "Netflix"][d % 7]),
                "premiere": .string("\(2019 + d % 8)-0\(1 + d % 9)-1\(d % 10)"),
                "episodes": .int(Int64(12 + 4 * (d % 3))),
            ])
        }
        let castCount = s.below(4)
        // A correction may set a status back to an earlier stage (what it was a few days before).
        let age = max(0, newsAge(d, at: t) - 0.02 * Double(variant))
        for _ in 0..<castCount {
            var j = s.below(castSize(d))
            if j == leaving(d), age >= leavingAge(d) { j = (j + 1) % castSize(d) }  // gone, not reported
            let status = castingStatus(d, j, age: age)
            facts.append([
                "kind": "casting", "drama": .string(title), "person": .string(Self.person(castMember(d, j))),
                "role": .string("Character \(j)"), "role_type": .string(j < 2 ? "lead" : "supporting"),
                "status": .string(status),
            ])
        }
        let ostCount = castCount == 0 ? 1 + s.below(2) : s.below(2)
        for _ in 0..<ostCount {
            let k = s.below(ostParts(d))
            let released = v.unit() < 0.6
            facts.append([
                "kind": "ost", "drama": .string(title), "song": .string("Song \(k + 1) of \(title)"),
                "part": .int(Int64(k + 1)), "artists": [.string(Self.person(singer(d, k)))],
                "release": .string(published), "status": .string(released ? "released" : "announced"),
            ])
        }
        let item: JSON = [
            "url": .string(url(run, worker, n)),
            "source": .string(["Soompi", "Pinkvilla", "Yonhap", "allkpop"][n % 4]),
            "published_at": .string(published), "headline": .string("News about \(title)"),
            "body": .string(variant == 0 ? "The article text." : "The article text, corrected (\(variant))."),
            "facts": .array(facts),
        ]
        return item.serialized()
    }

    /// A later article: the member of a drama's cast who leaves it drops out or declines (the
    /// news reports it again and again); before they leave, a new article.
    func statusChange(run: String, worker: Int, n: Int) -> String {
        var s = Stream(state: Self.seed(worker, n, 8))
        let t = position(worker: worker, n: n)
        let d = drama(at: t, s.unit())
        guard newsAge(d, at: t) >= leavingAge(d) else { return article(run: run, worker: worker, n: n, variant: 0) }
        let j = leaving(d)
        let title = Self.drama(d)
        let item: JSON = [
            "url": .string(url(run, worker, n)), "source": "Yonhap", "published_at": .string(date(&s, at: t)),
            "headline": .string("Change in the cast of \(title)"),
            "facts": [
                [
                    "kind": "casting", "drama": .string(title), "person": .string(Self.person(castMember(d, j))),
                    "status": .string(Self.seed(d, 12) % 2 == 0 ? "withdrawn" : "declined"),
                ]
            ],
        ]
        return item.serialized()
    }
}
