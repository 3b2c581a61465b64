import NIOCore
import NIOEmbedded
import Testing

@testable import LineProtocol

@Suite struct RequestTests {
    @Test func parsesVerbCaseInsensitivelyAndKeepsArguments() throws {
        let request = try Request.parse(#"ingest {"url": "x y"}"#)
        #expect(request.verb == "INGEST")
        #expect(request.arguments == #"{"url": "x y"}"#)
        #expect(try Request.parse("PING") == Request(verb: "PING"))
    }

    @Test(arguments: ["", " PING", "P1NG", "ÜBER x", "-1", "\u{0}PING", String(repeating: "A", count: 33)])
    func rejectsBadVerbs(_ line: String) {
        #expect(
            throws: WireError(
                .badRequest, line.isEmpty ? "empty line" : "a request starts with a verb of ASCII letters")
        ) {
            try Request.parse(line)
        }
    }

    @Test(arguments: [("SUBSCRIBE 0", Int64(0)), ("SUBSCRIBE 42", 42), ("SUBSCRIBE  7 ", 7)])
    func parsesSequenceArguments(_ line: String, _ expected: Int64) throws {
        #expect(try Request.parse(line).sequenceArgument() == expected)
    }

    @Test(arguments: [
        "SUBSCRIBE", "SUBSCRIBE -1", "SUBSCRIBE x", "SUBSCRIBE 1 2", "SUBSCRIBE 99999999999999999999", "SUBSCRIBE +5",
    ])
    func rejectsBadSequenceArguments(_ line: String) throws {
        let request = try Request.parse(line)
        #expect(throws: WireError.self) { try request.sequenceArgument() }
        do {
            _ = try request.sequenceArgument()
        } catch {
            #expect(error.code == .badRequest)
        }
    }

    @Test func jsonArgumentErrorsAreBadJSON() throws {
        let request = try Request.parse("INGEST {not json")
        do {
            _ = try request.jsonArgument()
            Issue.record("expected bad_json")
        } catch {
            #expect(error.code == .badJSON)
        }
        do {
            _ = try Request.parse("INGEST").jsonArgument()
            Issue.record("expected bad_json")
        } catch {
            #expect(error.code == .badJSON)
        }
    }

    @Test func replyLinesRoundTrip() {
        #expect(Reply.ok(nil).line == "OK")
        #expect(Reply.ok(["seq": 3]).line == #"OK {"seq":3}"#)
        #expect(
            Reply.error(WireError(.invalid, "facts[0].part: bad\nvalue")).line == "ERR invalid facts[0].part: bad value"
        )
        #expect(Reply.parse("ERR not_found no such article") == .error(WireError(.notFound, "no such article")))
        #expect(Reply.parse(#"OK {"a":1}"#) == .ok(["a": 1]))
        #expect(Reply.parse("HELLO") == nil)
    }

    @Test func greetingMatchesTheContract() throws {
        let line = greetingLine(service: "ingest", authRequired: false, maxLine: 1_048_576, heartbeat: .seconds(5))
        #expect(line.hasPrefix("HELLO "))
        let json = try JSON.parse(String(line.dropFirst(6)))
        #expect(
            json == [
                "service": "ingest", "version": .string(dramaWireVersion), "protocol": 1, "auth": false,
                "max_line": 1_048_576, "heartbeat": 5,
            ])
        // Three intervals of silence: the liveness limit a stream client applies.
        #expect(silenceLimit(greeting: json) == .seconds(15))
        let fastLine = greetingLine(service: "ingest", authRequired: false, maxLine: 1, heartbeat: .milliseconds(250))
        let fast = try JSON.parse(String(fastLine.dropFirst(6)))
        #expect(fast["heartbeat"] == 0.25)
        #expect(silenceLimit(greeting: fast) == .milliseconds(750))
        #expect(silenceLimit(greeting: ["service": "ingest"]) == .seconds(15))
    }
}

@Suite struct LineFrameDecoderTests {
    func decode(_ chunks: [String], max: Int = 16) throws -> [LineFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: max)))
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(string: chunk))
        }
        var frames: [LineFrame] = []
        while let frame = try channel.readInbound(as: LineFrame.self) { frames.append(frame) }
        _ = try? channel.finish()
        return frames
    }

    @Test func splitsLinesAndDropsCR() throws {
        #expect(try decode(["PING\r\nHE", "AD\n\n"]) == [.line("PING"), .line("HEAD"), .line("")])
    }

    @Test func reportsTooLongOnceAndStops() throws {
        #expect(try decode([String(repeating: "x", count: 40) + "\nPING\n"]) == [.tooLong])
        #expect(try decode([String(repeating: "x", count: 10), String(repeating: "y", count: 10)]) == [.tooLong])
        #expect(try decode([String(repeating: "x", count: 16) + "\r\n"]) == [.line(String(repeating: "x", count: 16))])
    }

    @Test func flagsInvalidUTF8() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: 64)))
        try channel.writeInbound(ByteBuffer(bytes: [0x50, 0xFF, 0xFE, 0x0A, 0x41, 0x0A]))
        #expect(try channel.readInbound(as: LineFrame.self) == .line(nil))
        #expect(try channel.readInbound(as: LineFrame.self) == .line("A"))
    }

    @Test func partialLineAtEOFIsDropped() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineBytes: 64)))
        try channel.writeInbound(ByteBuffer(string: "PING\nHEA"))
        #expect(try channel.readInbound(as: LineFrame.self) == .line("PING"))
        _ = try channel.finish()
        #expect(try channel.readInbound(as: LineFrame.self) == nil)
    }
}
