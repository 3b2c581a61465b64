import DramaDomain
import LineProtocol
import Testing

@testable import DramaWireCLI

/// The benchmark's realistic data set: what makes it realistic must hold, or the figures
/// measured on it say nothing about real news.
@Suite struct BenchDataTests {
    /// Articles per drama over a stretch of the timeline, sampled every `step` positions.
    static func coverage(_ news: RealisticNews, from: Int, to: Int, step: Int) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        var s = RealisticNews.Stream(state: 42)
        for t in stride(from: from, to: to, by: step) { counts[news.drama(at: t, s.unit()), default: 0] += step }
        return counts
    }

    @Test func airingDramasLeaveTheNewsSoNoHistoryGrowsForever() {
        let news = RealisticNews(dramas: 5000, people: 20000, popularity: .airing)
        let window = RealisticNews.inTheNews * RealisticNews.articlesPerDrama
        // Over 600,000 articles every drama is drawn only while it is in the news: drama d
        // enters when the window's first drama is d - 149 and leaves `window` articles later.
        // The biggest hit gets a bounded share.
        var s = RealisticNews.Stream(state: 7)
        var top = [Int: Int]()
        var outside = 0
        for t in stride(from: 0, to: 600_000, by: 7) {
            let d = news.drama(at: t, s.unit())
            let entry = (d - RealisticNews.inTheNews + 1) * RealisticNews.articlesPerDrama
            if !(t >= entry && t < entry + window) { outside += 1 }
            top[d, default: 0] += 7
        }
        #expect(outside == 0)
        let biggest = top.values.max() ?? 0
        // A rank-1 drama takes 1/H(150) ≈ 18 % of the news while it airs: ~5,400 articles.
        #expect(biggest > 2_000 && biggest < 9_000, "\(biggest)")
        // The same stretch under stationary popularity: the top drama takes a ninth of all news.
        let stationary = Self.coverage(
            RealisticNews(dramas: 5000, people: 20000, popularity: .stationary), from: 0, to: 600_000, step: 3)
        #expect((stationary[0] ?? 0) > 50_000, "\(stationary[0] ?? 0)")
    }

    @Test func aSmallCatalogueIsAllInTheNewsAtOnce() {
        // The hot-spot stress (--dramas 20): every drama, all the time, the first the most popular.
        let news = RealisticNews(dramas: 20, people: 200, popularity: .airing)
        let counts = Self.coverage(news, from: 0, to: 200_000, step: 5)
        #expect(Set(counts.keys) == Set(0..<20))
        #expect(counts[0]! > counts[19]! * 5)
    }

    @Test func articlesArriveInPublicationOrderAndRepeatExactly() throws {
        let news = RealisticNews(dramas: 5000, people: 20000).continued(workers: 16, start: 100_000)
        var last = ""
        for n in stride(from: 0, to: 3_000, by: 100) {
            let item = try JSON.parse(news.article(run: "r", worker: 3, n: n, variant: 0))
            let day = String(item["published_at"].stringValue!.prefix(10))
            #expect(day >= last, "\(day) after \(last)")
            last = day
            // A correction is the same article (url, date, drama), corrected.
            let corrected = try JSON.parse(news.article(run: "r", worker: 3, n: n, variant: 2))
            #expect(corrected["url"] == item["url"] && corrected["published_at"] == item["published_at"])
            #expect(corrected["headline"] == item["headline"])
            #expect(news.article(run: "r", worker: 3, n: n, variant: 0) == item.serialized())
        }
        // Position 100,000 + 16 n + 3 is day (100,000 + 16 n + 3) / 350 after 2019-01-01 (285 for n = 0).
        let first = try JSON.parse(news.article(run: "r", worker: 3, n: 0, variant: 0))
        #expect(first["published_at"].stringValue!.hasPrefix("2019-10-13"))
    }

    /// Castings move from rumoured to confirmed early in their drama's time in the news, later
    /// articles repeat the status, one member leaves each drama: a hit casting is reported
    /// hundreds of times, but its status history (as the resolver folds it) stays short.
    @Test func castingStatusesProgressSoHistoriesStayShort() throws {
        let news = RealisticNews(dramas: 5000, people: 20000)
        // What the store would hold after 15,000 items of one connection: the latest content of
        // each url (re-sends and corrections replace it).
        var latest: [String: NewsItem] = [:]
        for n in 0..<15_000 {
            let item = try NewsItem.validate(try JSON.parse(news.item(run: "r", worker: 0, n: n)))
            latest[item.url] = item
        }
        var byCasting: [String: [Assertion]] = [:]
        for item in latest.values {
            for (index, fact) in item.facts.enumerated() {
                guard case .casting = fact else { continue }
                let drama = NameKey.normalize(fact.dramaName, kind: .drama)
                let person = NameKey.normalize(fact.personNames[0], kind: .person)
                byCasting["\(drama)/\(person)", default: []].append(
                    Assertion(
                        articleID: item.url, url: item.url, publishedAt: item.publishedAt, index: index, fact: fact,
                        dramaKey: drama, personKeys: [person]))
            }
        }
        let reports = byCasting.values.map(\.count).max() ?? 0
        let histories = byCasting.values.map { assertions in
            Resolver.resolve(
                drama: EntityRef(key: assertions[0].dramaKey, name: "d"), aliases: [], assertions: assertions,
                personNames: [:]
            ).castings[0].json["history"].arrayValue ?? []
        }
        let longest = histories.max { $0.count < $1.count } ?? []
        #expect(reports > 150, "\(reports)")
        // Conflicting reports cluster around a change (same-day articles in any hour order,
        // corrections dated a few days back), so even the longest history is a few flips there.
        #expect(longest.count <= 16, "\(longest.map { "\($0["status"].stringValue!) \($0["as_of"].stringValue!)" })")
        let lengths = histories.map(\.count).sorted()
        #expect(lengths[lengths.count / 2] <= 3, "median \(lengths[lengths.count / 2])")
        // Every stage occurs somewhere, a drop-out included.
        let statuses = Set(
            latest.values.flatMap { $0.facts }.compactMap { fact -> String? in
                if case .casting(let f) = fact { return f.status?.rawValue }
                return nil
            })
        #expect(statuses.isSuperset(of: ["rumored", "in_talks", "offered", "confirmed"]))
        #expect(!statuses.isDisjoint(with: ["withdrawn", "declined"]))
    }

    @Test func civilDates() {
        #expect(Timestamp.civilFromDays(0) == (1970, 1, 1))
        #expect(Timestamp.civilFromDays(17_897) == (2019, 1, 1))
        #expect(Timestamp.civilFromDays(19_782) == (2024, 2, 29))
        #expect(Timestamp.civilFromDays(19_783) == (2024, 3, 1))
    }
}
