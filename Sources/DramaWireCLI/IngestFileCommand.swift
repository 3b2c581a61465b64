import ArgumentParser
import DramaWireClient
import Foundation
import LineProtocol

/// `dramawire ingest FILE…`: send JSON-lines news items to the ingest service.
struct IngestFileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest news items from JSON-lines files (one item per line).")

    @OptionGroup var connection: IngestConnectionOptions

    @Option(help: "Requests in flight at once (pipelining).") var window = 64

    @Flag(help: "No progress bar, even on a terminal.") var quiet = false

    @Flag(help: "Each FILE is one raw article (text, HTML or JSON without facts): its facts are extracted and stored.")
    var extract = false

    @OptionGroup var article: ArticleOptions

    @Argument(help: "JSON-lines files (with --extract: article files); - reads standard input.") var files: [String]

    func validate() throws {
        if !extract && (article.url ?? article.source ?? article.publishedAt ?? article.headline) != nil {
            throw ValidationError("--url, --source, --published-at and --headline go with --extract")
        }
        if extract && article.url != nil && files.count > 1 {
            throw ValidationError("--url names one article; give one file with it")
        }
    }

    struct Tally {
        var ingested = 0
        var duplicates = 0
        var failed = 0
        var changes = 0
    }

    func run() async throws {
        var items: [(file: String, line: Int, text: String)] = []
        if extract {
            for file in files {
                var fields = try article.article(file, defaultURL: nil)
                fields["extract"] = true
                items.append((file, 1, JSON.object(fields).serialized()))
            }
        }
        for file in files where !extract {
            let text = String(decoding: try readInput(file), as: UTF8.self)
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                items.append((file, i + 1, String(trimmed)))
            }
        }
        let window = max(1, self.window)
        let showProgress = stderrIsTerminal && !quiet
        let started = monotonicSeconds()
        let tally = try await connection.connect { session -> Tally in
            let maxLine = Int(session.greeting["max_line"].intValue ?? Int64(defaultMaximumLineBytes))
            var tally = Tally()
            var inFlight: [Int] = []  // indexes of items awaiting replies, in order
            var nextItem = 0
            var done = 0
            func report(_ index: Int, _ reply: Reply) {
                let item = items[index]
                switch reply {
                case .ok(let json):
                    if json?["duplicate"].boolValue == true { tally.duplicates += 1 } else { tally.ingested += 1 }
                    tally.changes += Int(json?["changes"].intValue ?? 0)
                case .error(let error):
                    tally.failed += 1
                    if showProgress { printError("\r\u{1B}[K", terminator: "") }
                    printError("\(item.file):\(item.line): ERR \(error.code.rawValue) \(error.message)")
                }
            }
            while done < items.count {
                var batch: [String] = []
                while nextItem < items.count && inFlight.count + batch.count < window {
                    let item = items[nextItem]
                    if item.text.utf8.count + 7 > maxLine {
                        // The server would close the connection on an oversize line; fail it here.
                        tally.failed += 1
                        done += 1
                        printError("\(item.file):\(item.line): line longer than the server's \(maxLine) bytes")
                    } else {
                        batch.append("INGEST " + item.text)
                        inFlight.append(nextItem)
                    }
                    nextItem += 1
                }
                if !batch.isEmpty { try await session.send(lines: batch) }
                guard !inFlight.isEmpty else { continue }
                let reply = try await session.readReply()
                report(inFlight.removeFirst(), reply)
                done += 1
                if showProgress && (done % 25 == 0 || done == items.count) {
                    printError(
                        progressBar(done: done, total: items.count, elapsed: monotonicSeconds() - started),
                        terminator: "")
                }
            }
            try? await session.send("QUIT")
            return tally
        }
        if showProgress { printError("") }
        let elapsed = monotonicSeconds() - started
        printLine(
            "ingested \(tally.ingested), duplicates \(tally.duplicates), failed \(tally.failed) "
                + "(\(tally.changes) changes, \(String(format: "%.2f", elapsed)) s)")
        if tally.failed > 0 { throw ExitCode.failure }
    }
}

/// A one-line progress bar, drawn over itself with a carriage return.
func progressBar(done: Int, total: Int, elapsed: Double) -> String {
    let width = 30
    let fraction = total == 0 ? 1 : Double(done) / Double(total)
    let filled = Int(fraction * Double(width))
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    return "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] "
        + "\(done)/\(total) items, \(Int(rate))/s"
}
