import Foundation

/// Merges the per-clause records of one article into facts: one per drama, one per OST song
/// (or part, or singer when neither is known) and one per casting credit.
struct FactMerger: Sendable {
    let titles: TitleResolver
    let people: NameResolver

    private func names(_ list: [String]) -> [String] {
        var out: [String] = []
        for n in list.map(people.canonical) where !out.contains(n) { out.append(n) }
        return out
    }

    func mergeDramas(_ records: [DramaRecord]) -> [DramaFacts] {
        var facts: [DramaFacts] = []
        var index: [String: Int] = [:]
        var premiereConfidence: [String: Double] = [:]
        for r in records {
            let title = titles.canonical(r.title)
            let key = titles.key(title)
            if let i = index[key] {
                var f = facts[i]
                if f.network == nil { f.network = r.network }
                for p in r.platforms where !f.platforms.contains(p) { f.platforms.append(p) }
                if let p = r.premiere, r.confidence > premiereConfidence[key] ?? 0 {
                    f.premiere = p
                    premiereConfidence[key] = r.confidence
                }
                if f.episodes == nil { f.episodes = r.episodes }
                if r.confidence > f.confidence {
                    f.confidence = r.confidence
                    f.evidence = r.evidence.evidence
                }
                facts[i] = f
            } else {
                index[key] = facts.count
                if r.premiere != nil { premiereConfidence[key] = r.confidence }
                facts.append(
                    DramaFacts(
                        title: title, network: r.network, platforms: r.platforms, premiere: r.premiere,
                        episodes: r.episodes, evidence: r.evidence.evidence, confidence: r.confidence))
            }
        }
        return facts
    }

    private struct OSTWork {
        var record: OSTRecord
        var dramaKey: String
    }

    func mergeOSTs(_ records: [OSTRecord]) -> [OSTFacts] {
        var works: [OSTWork] = []
        let cleaned = records.map { r -> OSTRecord in
            var r = r
            r.drama = r.drama.map(titles.canonical)
            r.artists = names(r.artists)
            r.composers = names(r.composers)
            r.lyricists = names(r.lyricists)
            r.producers = names(r.producers)
            r.featuring = names(r.featuring)
            return r
        }
        func songKey(_ s: String?) -> String? { s.map(titleKey) }
        for r in cleaned where !r.isDetail && r.drama != nil && !r.artists.isEmpty {
            let dk = titles.key(r.drama!)
            let match = works.firstIndex { w in
                guard w.dramaKey == dk else { return false }
                let a = w.record
                let songsCompatible = a.song == nil || r.song == nil || songKey(a.song) == songKey(r.song)
                let partsCompatible = a.part == nil || r.part == nil || a.part == r.part
                if let s1 = songKey(a.song), let s2 = songKey(r.song) { return s1 == s2 && partsCompatible }
                if let p1 = a.part, let p2 = r.part { return p1 == p2 && songsCompatible }
                return songsCompatible && partsCompatible && !Set(a.artists).isDisjoint(with: r.artists)
            }
            if let i = match {
                works[i].record = combine(works[i].record, r)
            } else {
                works.append(OSTWork(record: r, dramaKey: dk))
            }
        }
        // Details (credits, dates, "the track was released…") attach to the song they name.
        for r in cleaned where r.isDetail || r.drama == nil || r.artists.isEmpty {
            guard let sk = songKey(r.song) else { continue }
            let candidates = works.indices.filter { i in
                songKey(works[i].record.song) == sk && (r.drama == nil || titles.key(r.drama!) == works[i].dramaKey)
            }
            guard candidates.count == 1 else { continue }
            var detail = r
            detail.confidence = 0
            works[candidates[0]].record = combine(works[candidates[0]].record, detail)
        }
        return works.map { w in
            let r = w.record
            return OSTFacts(
                drama: r.drama!, song: r.song, part: r.part, artists: r.artists, release: r.release, status: r.status,
                composers: r.composers, lyricists: r.lyricists, producers: r.producers, evidence: r.evidence.evidence,
                confidence: (r.confidence * 100).rounded() / 100)
        }
    }

    private func combine(_ a: OSTRecord, _ b: OSTRecord) -> OSTRecord {
        var m = a
        if m.song == nil { m.song = b.song }
        if m.part == nil { m.part = b.part }
        for x in b.artists where !m.artists.contains(x) && !b.isDetail { m.artists.append(x) }
        for x in b.featuring where !m.artists.contains(x) { m.artists.append(x) }
        if b.status == "released" || m.status == nil { m.status = b.status ?? m.status }
        if m.release == nil
            || (b.release?.contains("T") == true && m.release?.contains("T") == false
                && m.release.map { b.release!.hasPrefix($0) } == true)
        {
            m.release = b.release ?? m.release
        }
        for x in b.composers where !m.composers.contains(x) { m.composers.append(x) }
        for x in b.lyricists where !m.lyricists.contains(x) { m.lyricists.append(x) }
        for x in b.producers where !m.producers.contains(x) { m.producers.append(x) }
        if b.confidence > m.confidence {
            m.confidence = b.confidence
            m.evidence = b.evidence
        }
        return m
    }

    private static let rank: [String: Int] = [
        "rumored": 0, "offered": 1, "in_talks": 2, "confirmed": 3, "declined": 4, "withdrawn": 5, "cancelled": 6,
    ]

    func mergeCastings(_ records: [CastingRecord], overrides: [StatusOverride]) -> [CastingFacts] {
        var facts: [CastingFacts] = []
        var index: [String: Int] = [:]
        func key(_ drama: String, _ person: String) -> String { titles.key(drama) + "|" + nameKey(person) }
        // Records without a status ("would play Y") only add roles to credits read elsewhere.
        //
        // The body words a credit more carefully than the headline ("X in talks" over "X is
        // reportedly in talks"): when the body gives a status, a headline's "to star", "in talks"
        // or "offered" only adds details. A headline's "declines" or "exits" still counts.
        let bodyKeys = Set(
            records.filter { $0.status != nil && !$0.evidence.isHeadline }.map {
                key(titles.canonical($0.drama), people.canonical($0.person))
            })
        let ordered =
            records.filter { $0.status != nil && !$0.evidence.isHeadline }
            + records.filter { $0.status != nil && $0.evidence.isHeadline } + records.filter { $0.status == nil }
        for record in ordered {
            var r = record
            let drama = titles.canonical(r.drama)
            let person = people.canonical(r.person)
            if r.evidence.isHeadline, ["confirmed", "in_talks", "offered"].contains(r.status),
                bodyKeys.contains(key(drama, person))
            {
                r.status = nil
            }
            let role = r.role.map(people.canonical)
            let k = key(drama, person)
            if let i = index[k] {
                var f = facts[i]
                if f.role == nil { f.role = role }
                if f.roleType == nil { f.roleType = r.roleType }
                let newRank = FactMerger.rank[r.status ?? ""] ?? -1
                let oldRank = FactMerger.rank[f.status ?? ""] ?? -1
                if newRank > oldRank {
                    f.status = r.status
                    f.evidence = r.evidence.evidence
                    f.confidence = r.confidence
                } else if newRank == oldRank, r.confidence > f.confidence {
                    f.confidence = r.confidence
                    f.evidence = r.evidence.evidence
                }
                facts[i] = f
            } else if r.status != nil {
                index[k] = facts.count
                facts.append(
                    CastingFacts(
                        drama: drama, person: person, role: role, roleType: r.roleType, status: r.status,
                        evidence: r.evidence.evidence, confidence: r.confidence))
            }
        }
        for o in overrides {
            switch o {
            case .inTalks(let person), .undecided(let person), .confirmed(let person):
                let target = person.map { nameKey(people.canonical($0)) }
                for i in facts.indices {
                    let matches = target == nil ? true : nameKey(facts[i].person) == target
                    guard matches else { continue }
                    let s = facts[i].status
                    switch o {
                    case .inTalks:
                        if s == "rumored" || s == "offered" { facts[i].status = "in_talks" }
                    case .undecided:
                        // An unnamed "nothing has been decided" answers the report, not announced credits.
                        if s == "in_talks" || s == "rumored" || (s == "confirmed" && person != nil) {
                            facts[i].status = "rumored"
                        }
                    default:
                        if s == "rumored" || s == "in_talks" || s == "offered" { facts[i].status = "confirmed" }
                    }
                }
            case .offerConfirmed(let person):
                let k = nameKey(people.canonical(person))
                for i in facts.indices where nameKey(facts[i].person) == k && facts[i].status == "rumored" {
                    facts[i].status = "offered"
                }
            case .denied(let person):
                let k = nameKey(people.canonical(person))
                facts.removeAll { nameKey($0.person) == k }
                index = [:]
                for (i, f) in facts.enumerated() { index[key(f.drama, f.person)] = i }
            case .roleType(let person, let type):
                let k = nameKey(people.canonical(person))
                for i in facts.indices where nameKey(facts[i].person) == k && facts[i].roleType == nil {
                    facts[i].roleType = type
                }
            case .cancelled(let drama, let named, let evidence):
                let dk = titles.key(titles.canonical(drama))
                for i in facts.indices where titles.key(facts[i].drama) == dk {
                    facts[i].status = "cancelled"
                }
                for p in named.map(people.canonical) where index[key(drama, p)] == nil {
                    index[key(drama, p)] = facts.count
                    facts.append(
                        CastingFacts(
                            drama: titles.canonical(drama), person: p, status: "cancelled", evidence: evidence.evidence,
                            confidence: 0.7))
                }
            }
        }
        return facts.map { f in
            var f = f
            f.confidence = (f.confidence * 100).rounded() / 100
            return f
        }
    }
}
