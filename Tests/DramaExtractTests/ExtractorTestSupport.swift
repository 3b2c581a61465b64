@testable import DramaExtract

/// Helpers that pick facts of one kind out of an extraction.
extension [ExtractedFact] {
    var osts: [OSTFacts] {
        compactMap {
            if case .ost(let f) = $0 { return f }
            return nil
        }
    }

    var castings: [CastingFacts] {
        compactMap {
            if case .casting(let f) = $0 { return f }
            return nil
        }
    }

    var dramas: [DramaFacts] {
        compactMap {
            if case .drama(let f) = $0 { return f }
            return nil
        }
    }
}

func extract(_ headline: String, _ body: String, at published: String = "2025-03-04T18:00:00+09:00")
    -> [ExtractedFact]
{
    Extractor().extract(Article(headline: headline, body: body, publishedAt: published))
}
