import LineProtocol

/// Change record types, as on the wire.
public enum ChangeType: String, Sendable, CaseIterable {
    case dramaUpserted = "drama.upserted"
    case dramaMerged = "drama.merged"
    case personUpserted = "person.upserted"
    case personMerged = "person.merged"
    case ostUpserted = "ost.upserted"
    case ostWithdrawn = "ost.withdrawn"
    case castingUpserted = "casting.upserted"
    case castingWithdrawn = "casting.withdrawn"
    case articleUpserted = "article.upserted"
    case articleRetracted = "article.retracted"
}

/// A change before it has a sequence number.
public struct Change: Sendable, Hashable {
    public var type: ChangeType
    public var key: String
    public var data: JSON

    public init(_ type: ChangeType, key: String, data: JSON) {
        self.type = type
        self.key = key
        self.data = data
    }

    /// The record as it appears after `CHANGE <seq> `.
    public func record(seq: Int64, at: String) -> JSON {
        ["seq": .int(seq), "at": .string(at), "type": .string(type.rawValue), "key": .string(key), "data": data]
    }
}
