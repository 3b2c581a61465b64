import ArgumentParser
import DramaWireClient
import LineProtocol

/// `dramawire tail --from N [--follow]`: print change records.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print change records after a sequence number.")

    @OptionGroup var connection: IngestConnectionOptions

    @Option(help: "Print records with seq greater than this.") var from: Int64 = 0

    @Flag(help: "Keep following new records (until interrupted).") var follow = false

    @Flag(help: "Print `seq type key` instead of the full JSON record.") var brief = false

    func run() async throws {
        let follow = self.follow
        let brief = self.brief
        let start = from
        // The last seq printed: a reconnect resumes after it, so nothing is printed twice.
        var printed = start
        try await followAcrossReconnects { connected in
            try await connection.connect { session in
                let head = try await session.call("SUBSCRIBE \(printed)")?["head"].intValue ?? 0
                connected = true
                // Stream mode: silence for three heartbeat intervals means the server is gone.
                session.expectHeartbeats()
                if !follow && head <= printed { return true }
                var expected = printed + 1
                while let line = try await session.readLine() {
                    if line.hasPrefix("HEARTBEAT ") { continue }
                    guard line.hasPrefix("CHANGE ") else {
                        if case .error(let error)? = Reply.parse(line) { throw error }
                        continue
                    }
                    let rest = line.dropFirst(7)
                    let seqText = rest.prefix { $0 != " " }
                    guard let seq = Int64(seqText) else { continue }
                    guard seq == expected else {
                        throw ClientError("gap in the change stream: expected \(expected), got \(seq)")
                    }
                    expected += 1
                    let record = String(rest.dropFirst(seqText.count + 1))
                    if brief, let json = try? JSON.parse(record) {
                        printLine("\(seq) \(json["type"].stringValue ?? "?") \(json["key"].stringValue ?? "?")")
                    } else {
                        printLine(record)
                    }
                    printed = seq
                    try await session.send("ACK \(seq)")
                    if !follow && seq >= head {
                        try await session.send("QUIT")
                        return true
                    }
                }
                return !follow
            }
        }
    }
}
