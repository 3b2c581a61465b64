import DramaFuzz
import Foundation
import Testing

/// Replays the fuzz corpus (the seeds and every input a fuzzer ever flagged) through the same
/// checks the fuzz targets run, so a crash once found stays fixed without a fuzzing toolchain.
@Suite struct FuzzRegressionTests {
    static let corpus = URL(filePath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Corpus/fuzz")

    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        let directory = corpus.appending(path: target)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        return try names.map { ($0, Array(try Data(contentsOf: directory.appending(path: $0)))) }
    }

    @Test func lineCorpus() throws {
        let inputs = try Self.inputs("line")
        #expect(inputs.count >= 10)
        for (_, bytes) in inputs { FuzzChecks.line(bytes) }
    }

    @Test func newsItemCorpus() throws {
        let inputs = try Self.inputs("news-item")
        #expect(inputs.count >= 4)
        for (_, bytes) in inputs { FuzzChecks.newsItem(bytes) }
    }

    @Test func extractCorpus() throws {
        let inputs = try Self.inputs("extract")
        #expect(inputs.count >= 5)
        for (_, bytes) in inputs { FuzzChecks.extract(bytes) }
    }
}
