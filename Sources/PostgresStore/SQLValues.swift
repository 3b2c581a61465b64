/// Encodes Swift values as PostgreSQL text-format parameters.
enum SQLValue {
    /// A text array literal, e.g. `{"a","b\"c"}`; nil elements are NULL.
    ///
    /// Built as bytes: `"` and `\` are ASCII, which never occurs inside a multi-byte UTF-8
    /// sequence, so escaping byte by byte is exact (and far cheaper than by scalar).
    static func textArray(_ values: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let value else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A bigint array literal, e.g. `{1,2,3}`.
    static func intArray(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }

    /// Parses a bigint array in text form (`{1,2}`).
    static func parseIntArray(_ text: String?) -> [Int64] {
        guard let text, text.count >= 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").compactMap { Int64($0) }
    }
}
