import ArgumentParser
import Foundation
import LineProtocol
import SQLiteStore

/// The `dramawire` command-line tool.
public struct DramaWireCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dramawire",
        abstract: "DramaWire: K-drama OST and casting news, from ingest to read model.",
        subcommands: [
            IngestFileCommand.self, GetCommand.self, SearchCommand.self, OSTsCommand.self, CastingCommand.self,
            FeedCommand.self, WatchCommand.self, StatsCommand.self, TailCommand.self, PingCommand.self,
            HeadCommand.self, BenchCommand.self, EvalExtractCommand.self, ExtractCommand.self, RetractCommand.self,
            MergeCommand.self,
        ])

    public init() {}

    /// Parses the arguments and runs the command. Failures the CLI knows (an unreachable
    /// service, an `ERR` reply) print one line on standard error and exit with their
    /// ``CLIExitCode``; everything else exits as ArgumentParser does.
    public static func runMain() async -> Never {
        // Before anything opens SQLite: `bench replay` and `--rebuild` run a read model here.
        ReadModel.configureProcess()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(withError: nil)
        } catch let failure as CLIFailure {
            printError("dramawire: " + failure.message)
            Foundation.exit(failure.exitCode)
        } catch let error as WireError {
            printError("dramawire: " + CLIFailure.refused(error).message)
            Foundation.exit(CLIExitCode.failed)
        } catch {
            exit(withError: error)
        }
    }
}
