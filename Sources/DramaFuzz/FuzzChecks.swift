import DramaDomain
import DramaExtract
import LineProtocol
import NIOCore
import NIOEmbedded

/// The properties the fuzz targets check, as a library so that the regression tests replay the
/// same code over the corpus that the fuzzers found.
///
/// Each check must return normally for every input. A crash, a trap or a violated invariant
/// (reported with `preconditionFailure`, which libFuzzer records as a crash) is a bug.
public enum FuzzChecks {
    /// The line layer: framing, request parsing, JSON arguments and replies.
    ///
    /// The first byte picks how the rest is chunked on its way into the decoder, so the fuzzer
    /// also explores lines split across reads. Invariants: the decoder yields exactly the
    /// LF-terminated lines of the input (CR before LF dropped, invalid UTF-8 reported as such)
    /// until a line is too long, and any JSON value that parses survives serialization unchanged.
    public static func line(_ data: [UInt8]) {
        guard let first = data.first else { return }
        let payload = Array(data.dropFirst())
        let chunk = Int(first % 16) + 1
        let limit = 64
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: limit)))
        var frames: [LineFrame] = []
        var offset = 0
        while offset < payload.count {
            let end = min(offset + chunk, payload.count)
            var buffer = channel.allocator.buffer(capacity: end - offset)
            buffer.writeBytes(payload[offset..<end])
            do {
                try channel.writeInbound(buffer)
                while let frame = try channel.readInbound(as: LineFrame.self) { frames.append(frame) }
            } catch {
                preconditionFailure("the line decoder threw: \(error)")
            }
            offset = end
        }
        _ = try? channel.finish()

        let expected = expectedFrames(payload, limit: limit)
        precondition(frames == expected, "decoder yielded \(frames), expected \(expected)")
        for case .line(let text?) in frames { request(text) }
    }

    /// One request line through every parser a service applies to it.
    static func request(_ text: String) {
        _ = Reply.parse(text)
        guard let request = try? Request.parse(text) else { return }
        precondition(!request.verb.isEmpty && request.verb == request.verb.uppercased())
        _ = try? request.sequenceArgument()
        _ = request.words
        if let json = try? request.jsonArgument() { roundTrip(json) }
    }

    /// A value that parsed must serialize to text that parses back to the same value.
    static func roundTrip(_ json: JSON) {
        let text = json.serialized()
        guard let again = try? JSON.parse(text) else {
            preconditionFailure("serialized JSON does not parse: \(text)")
        }
        precondition(again == json, "JSON round trip changed the value: \(text)")
        precondition(!text.utf8.contains(UInt8(ascii: "\n")), "serialized JSON spans lines")
    }

    /// The INGEST argument: JSON parsing, news-item validation and fact canonicalization.
    ///
    /// Invariants: a valid item's facts, written in canonical form and validated again, are the
    /// same facts (so what is stored is what a client would read back), and the canonical content
    /// used for duplicate detection is computable.
    public static func newsItem(_ data: [UInt8]) {
        guard let text = String(validating: data, as: UTF8.self), let json = try? JSON.parse(text) else {
            return
        }
        roundTrip(json)
        guard let item = try? NewsItem.validate(json) else { return }
        _ = item.canonicalContent
        for (index, fact) in item.facts.enumerated() {
            let canonical = fact.json
            guard let again = try? NewsItem.validateFact(canonical, path: "facts[\(index)]") else {
                preconditionFailure("a validated fact does not validate in canonical form: \(canonical.serialized())")
            }
            precondition(again == fact, "canonical form changed the fact: \(canonical.serialized())")
        }
    }

    /// The extractor on arbitrary text: the first line is the headline, the rest the body.
    ///
    /// Invariants: it returns (no crash, no trap), every fact's evidence lies inside its field and
    /// is exactly the text at those UTF-8 offsets, confidences are within 0…1, and a second run
    /// gives the same facts (extraction must be deterministic, or re-sent articles would not be
    /// recognized as duplicates).
    public static func extract(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        let newline = text.firstIndex(of: "\n") ?? text.endIndex
        let headline = String(text[..<newline])
        let body = newline == text.endIndex ? "" : String(text[text.index(after: newline)...])
        let article = Article(headline: headline, body: body, publishedAt: "2024-04-19T09:30:00+09:00")
        let facts = Extractor().extract(article)
        for fact in facts {
            let evidence = fact.evidence
            let field = Array((evidence.field == .headline ? headline : body).utf8)
            precondition(
                0 <= evidence.start && evidence.start <= evidence.end && evidence.end <= field.count,
                "evidence \(evidence.start)..<\(evidence.end) outside a field of \(field.count) bytes")
            precondition(
                String(decoding: field[evidence.start..<evidence.end], as: UTF8.self) == evidence.text,
                "evidence text is not the text at its offsets")
            precondition((0...1).contains(fact.confidence), "confidence \(fact.confidence)")
        }
        precondition(Extractor().extract(article) == facts, "extraction is not deterministic")
    }

    /// What the decoder must yield for `bytes`, computed the simple way.
    static func expectedFrames(_ bytes: [UInt8], limit: Int) -> [LineFrame] {
        var frames: [LineFrame] = []
        var start = 0
        while start < bytes.count {
            guard let lf = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                // An unfinished line is dropped at EOF unless it is already over the limit.
                if bytes.count - start > limit + 1 { frames.append(.tooLong) }
                return frames
            }
            var line = bytes[start..<lf]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.count <= limit else {
                frames.append(.tooLong)
                return frames
            }
            frames.append(.line(String(validating: line, as: UTF8.self)))
            start = lf + 1
        }
        return frames
    }
}
