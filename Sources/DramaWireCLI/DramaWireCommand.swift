import ArgumentParser

/// The `dramawire` command-line tool.
public struct DramaWireCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dramawire",
        abstract: "DramaWire: K-drama OST and casting news, from ingest to read model.",
        subcommands: [
            IngestFileCommand.self, GetCommand.self, SearchCommand.self, OSTsCommand.self, CastingCommand.self,
            FeedCommand.self, WatchCommand.self, StatsCommand.self, TailCommand.self, PingCommand.self,
            HeadCommand.self, BenchCommand.self, EvalExtractCommand.self,
        ])

    public init() {}
}
