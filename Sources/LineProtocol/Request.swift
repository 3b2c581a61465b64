/// A parsed request line: `VERB` or `VERB ARGS`.
public struct Request: Sendable, Equatable {
    /// The verb, upper-cased (verbs are case-insensitive).
    public var verb: String
    /// Everything after the first space, untouched (may be empty).
    public var arguments: String

    /// Creates a request.
    public init(verb: String, arguments: String = "") {
        self.verb = verb
        self.arguments = arguments
    }

    /// The longest verb accepted; longer runs of letters are not a verb of this protocol.
    public static let maximumVerbLength = 32

    /// Parses one line (already stripped of LF and CR).
    ///
    /// - Throws: `bad_request` for an empty line or a verb that is not ASCII letters.
    public static func parse(_ line: String) throws(WireError) -> Request {
        guard !line.isEmpty else { throw WireError(.badRequest, "empty line") }
        let utf8 = line.utf8
        let verbEnd = utf8.firstIndex(of: UInt8(ascii: " ")) ?? utf8.endIndex
        let verbBytes = utf8[utf8.startIndex..<verbEnd]
        guard !verbBytes.isEmpty, verbBytes.count <= maximumVerbLength,
            verbBytes.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") })
        else {
            throw WireError(.badRequest, "a request starts with a verb of ASCII letters")
        }
        let verb = String(decoding: verbBytes, as: UTF8.self).uppercased()
        let arguments = verbEnd == utf8.endIndex ? "" : String(line[line.utf8.index(after: verbEnd)...])
        return Request(verb: verb, arguments: arguments)
    }

    /// The arguments parsed as one JSON value.
    ///
    /// - Throws: `bad_json` when missing or malformed.
    public func jsonArgument() throws(WireError) -> JSON {
        let text = arguments.trimmingASCIIWhitespace()
        guard !text.isEmpty else { throw WireError(.badJSON, "\(verb) expects a JSON argument") }
        do {
            return try JSON.parse(text)
        } catch {
            throw WireError(.badJSON, error.message)
        }
    }

    /// The arguments split into words on spaces.
    public var words: [String] {
        arguments.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }

    /// The single argument as a non-negative sequence number.
    ///
    /// - Throws: `bad_request` naming the verb when missing, negative, non-numeric or too large.
    public func sequenceArgument() throws(WireError) -> Int64 {
        let words = self.words
        guard words.count == 1 else { throw WireError(.badRequest, "\(verb) expects one sequence number") }
        guard words[0].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int64(words[0])
        else {
            throw WireError(.badRequest, "\(verb) expects a sequence number from 0 to \(Int64.max)")
        }
        return value
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces and tabs.
    public func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
