extension JSON {
    /// Serializes compactly on one line, with object keys in sorted order.
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Appends the compact serialization to `out`.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite {
                // Integral doubles keep a fraction so they parse back as doubles, not integers.
                if d.rounded() == d && abs(d) < 1e15 { out += String(Int64(d)) + ".0" } else { out += "\(d)" }
            } else {
                out += "null"  // JSON has no NaN or infinity.
            }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out += "," }
                Self.writeString(member.key, to: &out)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Writes a JSON string literal. Line separators and all control characters are escaped, so
    /// the output never contains a raw LF or CR and stays one protocol line.
    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        // Most strings need no escape at all: one scan of the contiguous bytes, one append.
        let plain = s.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains {
                $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F || $0 == 0xE2
            }
        }
        if plain == true {
            out += s
            out += "\""
            return
        }
        // Copy runs of bytes that need no escaping in one append; escape the rest.
        let utf8 = s.utf8
        var runStart = utf8.startIndex
        var index = utf8.startIndex
        func flush(upTo end: String.UTF8View.Index) {
            if runStart < end { out += s[runStart..<end] }
        }
        while index < utf8.endIndex {
            let byte = utf8[index]
            var escape: String?
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case UInt8(ascii: "\n"): escape = "\\n"
            case UInt8(ascii: "\r"): escape = "\\r"
            case UInt8(ascii: "\t"): escape = "\\t"
            case 0x00..<0x20, 0x7F:
                let hex = String(byte, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            case 0xE2:
                // U+2028 and U+2029 (E2 80 A8 / E2 80 A9) end lines in some parsers.
                let next = utf8.index(after: index)
                if next < utf8.endIndex, utf8[next] == 0x80 {
                    let third = utf8.index(after: next)
                    if third < utf8.endIndex, utf8[third] == 0xA8 || utf8[third] == 0xA9 {
                        flush(upTo: index)
                        out += utf8[third] == 0xA8 ? "\\u2028" : "\\u2029"
                        index = utf8.index(after: third)
                        runStart = index
                        continue
                    }
                }
            default:
                break
            }
            if let escape {
                flush(upTo: index)
                out += escape
                index = utf8.index(after: index)
                runStart = index
            } else {
                index = utf8.index(after: index)
            }
        }
        flush(upTo: index)
        out += "\""
    }
}
