import DramaDomain
import LineProtocol

/// Shared parsing of the filter objects of `OSTS` and `CASTING`.
struct FilterReader {
    let fields: [String: JSON]
    let verb: String

    init(_ json: JSON, verb: String, allowed: Set<String>) throws(WireError) {
        if json.isNull {
            fields = [:]
        } else if let object = json.objectValue {
            fields = object
        } else {
            throw WireError.invalid(verb, "expected a JSON object, got \(json.typeName)")
        }
        self.verb = verb
        // Unknown fields are refused rather than ignored: a misspelled filter ("staus") would
        // otherwise silently return everything.
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw WireError.invalid(
                unknown, "unknown filter; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func string(_ name: String) throws(WireError) -> String? {
        guard let value = fields[name], !value.isNull else { return nil }
        guard let text = value.stringValue, !text.trimmingASCIIWhitespace().isEmpty, text.count <= 300 else {
            throw WireError.invalid(name, "expected a non-empty string of at most 300 characters")
        }
        return text
    }

    func oneOf(_ name: String, _ values: [String]) throws(WireError) -> String? {
        guard let text = try string(name) else { return nil }
        guard values.contains(text) else {
            throw WireError.invalid(name, "expected one of \(values.joined(separator: ", "))")
        }
        return text
    }

    func limit() throws(WireError) -> Int {
        guard let value = fields["limit"], !value.isNull else { return 50 }
        guard let limit = value.intValue, (1...500).contains(limit) else {
            throw WireError.invalid("limit", "expected an integer from 1 to 500")
        }
        return Int(limit)
    }

    func cursor() throws(WireError) -> String? {
        guard let text = try string("cursor") else { return nil }
        guard let sort = Cursor.decode(text) else { throw WireError.invalid("cursor", "not a cursor from a reply") }
        return sort
    }

    /// An RFC 3339 bound in Unix milliseconds; a date alone is its first (`since`) or last
    /// (`until`) millisecond in KST.
    func instant(_ name: String, endOfDay: Bool) throws(WireError) -> Int64? {
        guard let text = try string(name) else { return nil }
        guard let timestamp = Timestamp(text, allowDateOnly: true) else {
            throw WireError.invalid(name, "expected an RFC 3339 date or date-time")
        }
        return timestamp.hasTime || !endOfDay ? timestamp.instantMillis : timestamp.instantMillis + 86_400_000 - 1
    }
}

/// The filter of `OSTS`: `drama`, `artist`, `status`, `since`, `until`, `limit`, `cursor`.
public struct OSTQuery: Sendable {
    public var drama: String?
    public var artist: String?
    public var status: String?
    public var sinceMillis: Int64?
    public var untilMillis: Int64?
    public var limit: Int
    var cursor: String?

    /// Parses a filter object (or JSON null for no filter).
    public init(json: JSON) throws(WireError) {
        let reader = try FilterReader(
            json, verb: "OSTS", allowed: ["drama", "artist", "status", "since", "until", "limit", "cursor"])
        drama = try reader.string("drama")
        artist = try reader.string("artist")
        status = try reader.oneOf("status", ["announced", "released"])
        sinceMillis = try reader.instant("since", endOfDay: false)
        untilMillis = try reader.instant("until", endOfDay: true)
        limit = try reader.limit()
        cursor = try reader.cursor()
    }
}

/// The filter of `CASTING`: `drama`, `person`, `status`, `role_type`, `limit`, `cursor`.
public struct CastingQuery: Sendable {
    public var drama: String?
    public var person: String?
    public var status: String?
    public var roleType: String?
    public var limit: Int
    var cursor: String?

    /// Parses a filter object (or JSON null for no filter).
    public init(json: JSON) throws(WireError) {
        let reader = try FilterReader(
            json, verb: "CASTING", allowed: ["drama", "person", "status", "role_type", "limit", "cursor"])
        drama = try reader.string("drama")
        person = try reader.string("person")
        status = try reader.oneOf(
            "status", ["rumored", "in_talks", "offered", "confirmed", "declined", "withdrawn", "cancelled"])
        roleType = try reader.oneOf("role_type", ["lead", "supporting", "cameo", "special"])
        limit = try reader.limit()
        cursor = try reader.cursor()
    }
}
