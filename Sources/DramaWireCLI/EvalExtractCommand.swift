import ArgumentParser
import DramaDomain
import Foundation
import LineProtocol

/// `dramawire eval-extract DIR`: runs the extractor over a labelled corpus and scores it.
struct EvalExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-extract",
        abstract: "Score fact extraction against a hand-labelled corpus.",
        discussion: """
            DIR holds NNN-slug.txt articles (header lines, ---, body) with their labels in \
            NNN-slug.expected.json (see Tests/Corpus/extract/README.md). Prints precision, recall \
            and F1 per fact kind and per field, then every miss, false hit and field error. With \
            --thresholds, exits 1 when a score is below its minimum.
            """)

    @Argument(help: "The corpus directory.")
    var directory: String

    @Flag(
        help: """
            DIR is a real-article corpus (labels/*.json, see Tests/Corpus/real/README.md) whose texts \
            are in --texts: scores each split, and the recall of primary and background facts.
            """)
    var real = false

    @Option(help: "With --real: the directory of the article texts (ID.txt).")
    var texts = ".corpus/real"

    @Option(help: "A JSON file of minimum scores: {\"ost\": {\"precision\": 0.8, \"recall\": 0.5}, …}.")
    var thresholds: String?

    @Flag(help: "Print only the score tables.")
    var quiet = false

    @Option(help: "Score only extracted facts with at least this confidence (0.5: what is stored as confirmed).")
    var minConfidence: Double = 0

    func run() throws {
        if real { return try runReal() }
        let cases = try ExtractionCorpus.load(directory).map { c in
            var c = c
            c.predicted = c.predicted.filter { $0.confidence >= minConfidence }
            return c
        }
        let evaluation = ExtractionEvaluation(cases)
        printLine("\(cases.count) articles, \(cases.map(\.expected.count).reduce(0, +)) labelled facts")
        printLine(Self.table(evaluation))
        if !quiet {
            for (title, lines) in [
                ("misses", evaluation.misses), ("false hits", evaluation.falseHits),
                ("field errors", evaluation.fieldErrors),
            ] {
                printLine("\n\(title) (\(lines.count)):")
                for line in lines { printLine("  " + line) }
            }
        }
        if let thresholds {
            let failures = try Self.check(evaluation, thresholds: thresholds)
            for failure in failures { printError("below threshold: \(failure)") }
            if !failures.isEmpty { throw ExitCode.failure }
            printLine("\nall scores meet \(thresholds)")
        }
    }

    /// Scores the real-article corpus per split; the held-out split's misses are never printed,
    /// so nobody tunes on them by accident.
    func runReal() throws {
        let labelled = try ExtractionCorpus.loadReal(directory, texts: texts)
        let splits = ["dev", "heldout"]
        for split in splits + ["all"] {
            let cases = labelled.filter { split == "all" || $0.split == split }.map { entry in
                var c = entry.case
                c.predicted = c.predicted.filter { $0.confidence >= minConfidence }
                return (c, entry.primary)
            }
            guard !cases.isEmpty else { continue }
            let all = ExtractionEvaluation(cases.map(\.0))
            // Recall over a subset of the labels: the same pairing, fewer expected facts.
            func recall(primary: Bool) -> ExtractionEvaluation.Counts {
                ExtractionEvaluation(
                    cases.map { c, flags in
                        var c = c
                        c.expected = zip(c.expected, flags).filter { $0.1 == primary }.map(\.0)
                        return c
                    }
                ).overall
            }
            let primary = recall(primary: true)
            let background = recall(primary: false)
            printLine(
                "\n== \(split): \(cases.count) articles, \(cases.map(\.0.expected.count).reduce(0, +)) labelled facts")
            printLine(Self.table(all))
            printLine(
                String(
                    format: "primary facts:    recall %.3f (%d of %d)\nbackground facts: recall %.3f (%d of %d)",
                    primary.recall, primary.truePositives, primary.truePositives + primary.falseNegatives,
                    background.recall, background.truePositives, background.truePositives + background.falseNegatives))
            if split == "dev" && !quiet {
                for (title, lines) in [
                    ("misses", all.misses), ("false hits", all.falseHits), ("field errors", all.fieldErrors),
                ] {
                    printLine("\n\(title) (\(lines.count)):")
                    for line in lines { printLine("  " + line) }
                }
            }
        }
    }

    static func table(_ evaluation: ExtractionEvaluation) -> String {
        func row(_ name: String, _ c: ExtractionEvaluation.Counts) -> String {
            name.padding(toLength: 20, withPad: " ", startingAt: 0)
                + String(
                    format: "%6.3f %6.3f %6.3f %5d %5d %5d", c.precision, c.recall, c.f1, c.truePositives,
                    c.falsePositives, c.falseNegatives)
        }
        var lines = [
            "\n" + "".padding(toLength: 20, withPad: " ", startingAt: 0) + " prec.  recall    F1    TP    FP    FN"
        ]
        for kind in ["drama", "ost", "casting"] {
            lines.append(row(kind, evaluation.kinds[kind] ?? .init()))
            for field in ExtractionEvaluation.scoredFields[kind]! {
                lines.append(row("  ." + field, evaluation.fields["\(kind).\(field)"] ?? .init()))
            }
        }
        lines.append(row("overall", evaluation.overall))
        return lines.joined(separator: "\n")
    }

    /// Every score below its minimum, as `kind metric value < minimum`.
    static func check(_ evaluation: ExtractionEvaluation, thresholds path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let json = try? JSON.parse(text), let object = json.objectValue else {
            throw ValidationError("\(path): expected a JSON object")
        }
        var failures: [String] = []
        for (name, minimums) in object.sorted(by: { $0.key < $1.key }) {
            let counts: ExtractionEvaluation.Counts
            if name == "overall" {
                counts = evaluation.overall
            } else if let kind = evaluation.kinds[name] {
                counts = kind
            } else if let field = evaluation.fields[name] {
                counts = field
            } else {
                throw ValidationError("\(path): unknown kind or field \"\(name)\"")
            }
            for (metric, minimum) in (minimums.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                let value: Double
                switch metric {
                case "precision": value = counts.precision
                case "recall": value = counts.recall
                case "f1": value = counts.f1
                default: throw ValidationError("\(path): unknown metric \"\(metric)\" for \(name)")
                }
                guard let minimum = minimum.doubleValue else {
                    throw ValidationError("\(path): \(name).\(metric) must be a number")
                }
                if value < minimum {
                    failures.append(String(format: "%@ %@ %.3f < %.3f", name, metric, value, minimum))
                }
            }
        }
        return failures
    }
}

/// Reads a labelled corpus directory.
enum ExtractionCorpus {
    static func load(_ directory: String) throws -> [ExtractionEvaluation.Case] {
        try articles(directory).map { name, text in
            let stem = String(name.dropLast(4))
            let article = try parseArticle(text, name: name)
            let labelsPath = directory + "/" + stem + ".expected.json"
            guard let labels = try? JSON.parse(try String(contentsOfFile: labelsPath, encoding: .utf8)),
                let facts = labels["facts"].arrayValue
            else { throw ValidationError("\(labelsPath): missing, or no \"facts\" array") }
            let expected = try labelledFacts(facts, path: labelsPath)
            return ExtractionEvaluation.Case(name: stem, expected: expected, predicted: article.extractedFacts())
        }
    }

    /// Hand-labelled facts, validated as supplied facts are; an invalid one names its file.
    static func labelledFacts(_ facts: [JSON], path: String) throws -> [Fact] {
        try facts.enumerated().map { index, fact in
            do {
                return try NewsItem.validateFact(fact, path: "facts[\(index)]")
            } catch {
                throw ValidationError("\(path): \(error)")
            }
        }
    }

    /// One article of the real corpus: its split, the scored case, and which labels are primary.
    struct RealCase {
        var split: String
        var `case`: ExtractionEvaluation.Case
        var primary: [Bool]
    }

    /// The real-article corpus: `labels/ID.json` in `directory`, texts as `ID.txt` in `texts`.
    static func loadReal(_ directory: String, texts: String) throws -> [RealCase] {
        let labelsDirectory = directory + "/labels"
        let names = try FileManager.default.contentsOfDirectory(atPath: labelsDirectory)
            .filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw ValidationError("\(labelsDirectory): no label files") }
        var missing: [String] = []
        var cases: [RealCase] = []
        for name in names {
            let stem = String(name.dropLast(5))
            let labelsPath = labelsDirectory + "/" + name
            guard let text = try? String(contentsOfFile: texts + "/" + stem + ".txt", encoding: .utf8) else {
                missing.append(stem)
                continue
            }
            guard let labels = try? JSON.parse(try String(contentsOfFile: labelsPath, encoding: .utf8)),
                let facts = labels["facts"].arrayValue, let split = labels["split"].stringValue
            else { throw ValidationError("\(labelsPath): no \"facts\" array or \"split\"") }
            let expected = try labelledFacts(facts, path: labelsPath)
            let article = try parseArticle(text, name: stem + ".txt")
            cases.append(
                RealCase(
                    split: split,
                    case: ExtractionEvaluation.Case(
                        name: stem, expected: expected, predicted: article.extractedFacts()),
                    primary: facts.map { $0["primary"].boolValue ?? true }))
        }
        if !missing.isEmpty {
            printError(
                "\(missing.count) articles have no local text in \(texts) (see Tests/Corpus/real/README.md): "
                    + missing.prefix(10).joined(separator: ", "))
        }
        return cases
    }

    /// Every article of the directory as an EXTRACT argument (one JSON line each).
    static func articleLines(_ directory: String) throws -> [String] {
        try articles(directory).map { name, text in
            var fields = try articleFields(text, name: name)
            fields["extract"] = nil
            return JSON.object(fields).serialized()
        }
    }

    /// The `.txt` articles of a directory, by name, with their text.
    static func articles(_ directory: String) throws -> [(name: String, text: String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".txt") }
            .sorted()
        guard !names.isEmpty else { throw ValidationError("\(directory): no .txt articles") }
        return try names.map { ($0, try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) }
    }

    /// `key: value` header lines, a `---` line, then the body.
    static func parseArticle(_ text: String, name: String) throws -> NewsItem {
        do {
            return try NewsItem.validate(.object(try articleFields(text, name: name)))
        } catch let error as WireError {
            throw ValidationError("\(name): \(error.message)")
        }
    }

    static func articleFields(_ text: String, name: String) throws -> [String: JSON] {
        guard let separator = text.range(of: "\n---\n") else { throw ValidationError("\(name): no --- line") }
        var fields: [String: JSON] = ["extract": true]
        for line in text[..<separator.lowerBound].split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { throw ValidationError("\(name): bad header \(line)") }
            fields[String(line[..<colon])] = .string(
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        fields["body"] = .string(String(text[separator.upperBound...]))
        return fields
    }
}
