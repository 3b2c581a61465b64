import DramaDomain
import LineProtocol

/// A write the ingest service commits through the change log.
public enum WriteOperation: Sendable {
    /// Store a news item (new, duplicate or correction).
    case ingest(NewsItem)
    /// Retract an article by url or id.
    case retract(RetractTarget)
    /// Join two entities explicitly.
    case merge(kind: EntityKind, from: String, into: String)

    /// Decodes RETRACT's argument.
    public static func retract(from json: JSON) throws(WireError) -> WriteOperation {
        guard let object = json.objectValue else {
            throw WireError(.invalid, "retract: expected a JSON object with url or article")
        }
        if let url = object["url"], !url.isNull {
            guard let s = url.stringValue, !s.isEmpty else { throw .invalid("url", "expected a non-empty string") }
            return .retract(.url(s))
        }
        if let article = object["article"], !article.isNull {
            if let s = article.stringValue, !s.isEmpty { return .retract(.article(s)) }
            if let i = article.intValue { return .retract(.article(String(i))) }
            throw .invalid("article", "expected an article id")
        }
        throw WireError(.invalid, "url: one of url or article is required")
    }

    /// Decodes MERGE's argument.
    public static func merge(from json: JSON) throws(WireError) -> WriteOperation {
        guard let object = json.objectValue else {
            throw WireError(.invalid, "merge: expected a JSON object with kind, from and into")
        }
        guard let kindText = object["kind"]?.stringValue else { throw .invalid("kind", "is required") }
        guard let kind = EntityKind(rawValue: kindText) else { throw .invalid("kind", "must be person or drama") }
        guard let from = object["from"]?.stringValue, !from.trimmingASCIIWhitespace().isEmpty else {
            throw .invalid("from", "is required")
        }
        guard let into = object["into"]?.stringValue, !into.trimmingASCIIWhitespace().isEmpty else {
            throw .invalid("into", "is required")
        }
        return .merge(kind: kind, from: from, into: into)
    }
}

/// Which article RETRACT names.
public enum RetractTarget: Sendable {
    case url(String)
    case article(String)
}
