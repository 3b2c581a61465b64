import Foundation

/// Resolves the several spellings of one person or title within an article to one form:
/// "Kim Soo-Hyun", "Kim Soo Hyun", "Soo-Hyun" and a headline's "Kim So Hyun" become one name.
/// Similar names are merged only inside an article and only under narrow rules, because
/// Kim Soo-hyun and Kim So-hyun are different actors.
struct NameResolver: Sendable {
    private var map: [String: String] = [:]

    struct Occurrence {
        var surface: String
        var inBody: Bool
    }

    init(people occurrences: [Occurrence], known: [String]) {
        var byKey: [String: [Occurrence]] = [:]
        var keyOrder: [String] = []
        for o in occurrences {
            let k = nameKey(o.surface)
            guard !k.isEmpty else { continue }
            if byKey[k] == nil { keyOrder.append(k) }
            byKey[k, default: []].append(o)
        }
        let knownByKey = Dictionary(known.map { (nameKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        var representative: [String: String] = [:]
        for k in keyOrder {
            let occ = byKey[k]!
            representative[k] = knownByKey[k] ?? NameResolver.best(occ)
        }
        var redirect: [String: String] = [:]
        let fullNames = keyOrder.filter { k in
            let s = representative[k]!
            let first = String(s.split(separator: " ").first ?? "")
            return s.contains(" ") && Gazetteer.surnames.contains(first)
        }
        for k in keyOrder where !fullNames.contains(k) {
            let lone = representative[k]!
            // A known one-word stage name ("Jimin") is not the given name of a full name that splits it
            // ("Han Ji-min", "Han Ji Min").
            let stageName = knownByKey[k] != nil && !lone.contains(" ") && !lone.contains("-")
            // A given name alone ("Soo-Hyun") joins the one full name that ends with it.
            let matches = fullNames.filter { f in
                let s = representative[f]!
                let given = s.split(separator: " ").dropFirst().joined(separator: " ")
                if stageName && (given.contains("-") || given.contains(" ")) { return false }
                return nameKey(given) == k
            }
            if matches.count == 1 {
                redirect[k] = matches[0]
                continue
            }
            // Wire and newspaper style names a person in full once, then by surname alone ("Kwon will
            // open the soundtrack"): a lone surname joins the one full name in the article that has it.
            if !lone.contains(" "), !lone.contains("-"), Gazetteer.surnames.contains(lone) {
                let bySurname = fullNames.filter { f in
                    representative[f]!.split(separator: " ").first.map(String.init) == lone
                }
                if bySurname.count == 1 { redirect[k] = bySurname[0] }
            }
        }
        for k in keyOrder where redirect[k] == nil {
            let occ = byKey[k]!
            let bodyCount = occ.filter(\.inBody).count
            let candidates = keyOrder.filter { other in
                guard other != k, redirect[other] == nil, knownByKey[k] == nil else { return false }
                let otherCount = byKey[other]!.filter(\.inBody).count
                if isTransposition(k, other) && otherCount > bodyCount { return true }
                // A headline-only spelling one edit away from a body name is a typo of it.
                if bodyCount == 0 && otherCount > 0 && k.count >= 6 && levenshtein(k, other) <= 1 {
                    let s1 = representative[k]!.split(separator: " ").first
                    let s2 = representative[other]!.split(separator: " ").first
                    return s1 == s2
                }
                return false
            }
            if candidates.count == 1 { redirect[k] = candidates[0] }
        }
        for k in keyOrder {
            var target = k
            var hops = 0
            while let r = redirect[target], hops < 4 {
                target = r
                hops += 1
            }
            map[k] = representative[target]!
        }
        for (k, v) in knownByKey where map[k] == nil { map[k] = v }
    }

    /// Body spellings over headline ones, then the commonest, then hyphenated, then the longest.
    private static func best(_ occ: [Occurrence]) -> String {
        let pool = occ.contains(where: \.inBody) ? occ.filter(\.inBody) : occ
        var counts: [String: Int] = [:]
        var order: [String] = []
        for o in pool {
            if counts[o.surface] == nil { order.append(o.surface) }
            counts[o.surface, default: 0] += 1
        }
        return order.max { a, b in
            let ca = counts[a]!
            let cb = counts[b]!
            if ca != cb { return ca < cb }
            let ha = a.contains("-")
            let hb = b.contains("-")
            if ha != hb { return !ha }
            if a.count != b.count { return a.count < b.count }
            return order.firstIndex(of: a)! > order.firstIndex(of: b)!
        }!
    }

    func canonical(_ surface: String) -> String {
        map[nameKey(surface)] ?? surface
    }
}

/// Resolves title variants: case, quotes, a leading "The", and near-identical manglings
/// ("My Love From the Start" for "My Love from the Star"), never across different numbers.
struct TitleResolver: Sendable {
    private var map: [String: String] = [:]
    private var keyMap: [String: String] = [:]

    init(titles occurrences: [NameResolver.Occurrence], known: [String]) {
        var byKey: [String: [NameResolver.Occurrence]] = [:]
        var order: [String] = []
        for o in occurrences {
            let k = titleKey(o.surface)
            guard !k.isEmpty else { continue }
            if byKey[k] == nil { order.append(k) }
            byKey[k, default: []].append(o)
        }
        let knownByKey = Dictionary(known.map { (titleKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        func weight(_ k: String) -> (Int, Int) {
            let occ = byKey[k] ?? []
            return (occ.filter(\.inBody).count, occ.count)
        }
        var redirect: [String: String] = [:]
        for k in order where knownByKey[k] == nil {
            let similar = order.filter { o in
                guard o != k, k.count >= 8, digits(of: o) == digits(of: k) else { return false }
                let d = levenshtein(o, k)
                return d <= 2 && d * 8 <= k.count && (knownByKey[o] != nil || weight(o) > weight(k))
            }
            if similar.count == 1 { redirect[k] = similar[0] }
        }
        for k in order {
            let target = redirect[k] ?? k
            let surface =
                knownByKey[target]
                ?? {
                    let occ = byKey[target]!
                    let pool = occ.contains(where: \.inBody) ? occ.filter(\.inBody) : occ
                    var counts: [String: Int] = [:]
                    for o in pool { counts[o.surface, default: 0] += 1 }
                    let top = counts.values.max()!
                    return pool.first { counts[$0.surface] == top }!.surface
                }()
            map[k] = surface
            keyMap[k] = titleKey(surface)
        }
        for (k, v) in knownByKey where map[k] == nil {
            map[k] = v
            keyMap[k] = k
        }
    }

    func canonical(_ surface: String) -> String { map[titleKey(surface)] ?? surface }
    func key(_ surface: String) -> String { keyMap[titleKey(surface)] ?? titleKey(surface) }
}
