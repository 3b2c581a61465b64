/// Encodes Swift values as PostgreSQL text-format parameters.
enum SQLValue {
    /// A text array literal, e.g. `{"a","b\"c"}`; nil elements are NULL.
    static func textArray(_ values: [String?]) -> String {
        var out = "{"
        for (i, value) in values.enumerated() {
            if i > 0 { out += "," }
            guard let value else {
                out += "NULL"
                continue
            }
            out += "\""
            for ch in value.unicodeScalars {
                if ch == "\"" || ch == "\\" { out += "\\" }
                out.unicodeScalars.append(ch)
            }
            out += "\""
        }
        return out + "}"
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
