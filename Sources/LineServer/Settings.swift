#if canImport(Glibc)
    import Glibc
#endif

/// Reads a setting from its flag or, failing that, its environment variable.
///
/// Invalid values fail loudly (never a silent default), so a typo stops the service at startup
/// with one clear line.
public enum Settings {
    /// The flag's value, else the environment variable's, else nil. Empty strings count as unset.
    public static func string(_ flag: String?, env name: String) -> String? {
        if let flag, !flag.isEmpty { return flag }
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }

    /// A secret (a password-bearing connection string, a token): the flag, else the environment
    /// variable, else the contents of the file named by `<name>_FILE` (the Docker and Kubernetes
    /// secrets convention), without its trailing newline. The file's path may appear in an
    /// error; its contents never do.
    public static func secret(_ flag: String?, env name: String) throws -> String? {
        if let value = string(flag, env: name) { return value }
        guard let path = string(nil, env: name + "_FILE") else { return nil }
        guard let file = fopen(path, "r") else { throw SettingError("\(name)_FILE: cannot read \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[..<n]
            guard bytes.count <= 1 << 16 else { throw SettingError("\(name)_FILE: \(path) is larger than 64 KiB") }
        }
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// A `host:port` setting.
    public static func address(_ flag: String?, env name: String, default fallback: String) throws -> (String, Int) {
        let text = string(flag, env: name) ?? fallback
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port), colon != text.startIndex
        else {
            throw SettingError("\(name): expected host:port, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    /// An optional `host:port` setting: nil when neither the flag nor the variable is set.
    public static func optionalAddress(_ flag: String?, env name: String) throws -> (host: String, port: Int)? {
        guard string(flag, env: name) != nil else { return nil }
        let (host, port) = try address(flag, env: name, default: "")
        return (host, port)
    }

    /// A boolean setting: the flag, or the variable as `1`/`true`/`yes` or `0`/`false`/`no`.
    public static func bool(_ flag: Bool, env name: String) throws -> Bool {
        if flag { return true }
        guard let text = string(nil, env: name)?.lowercased() else { return false }
        switch text {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw SettingError("\(name): expected 1 or 0, got \"\(text)\"")
        }
    }

    /// A positive integer setting.
    public static func positiveInt(_ flag: Int?, env name: String, default fallback: Int) throws -> Int {
        if let flag {
            guard flag > 0 else { throw SettingError("\(name): must be a positive integer, got \(flag)") }
            return flag
        }
        guard let text = string(nil, env: name) else { return fallback }
        guard let value = Int(text), value > 0 else {
            throw SettingError("\(name): must be a positive integer, got \"\(text)\"")
        }
        return value
    }

    /// A non-negative integer setting (0 usually turns something off).
    public static func nonNegativeInt(_ flag: Int?, env name: String, default fallback: Int) throws -> Int {
        if let flag {
            guard flag >= 0 else { throw SettingError("\(name): must be 0 or a positive integer, got \(flag)") }
            return flag
        }
        guard let text = string(nil, env: name) else { return fallback }
        guard let value = Int(text), value >= 0 else {
            throw SettingError("\(name): must be 0 or a positive integer, got \"\(text)\"")
        }
        return value
    }

    /// A duration in seconds (fractions allowed).
    public static func seconds(_ flag: Double?, env name: String, default fallback: Double) throws -> Duration {
        var value = fallback
        if let flag {
            value = flag
        } else if let text = string(nil, env: name) {
            guard let parsed = Double(text) else { throw SettingError("\(name): expected seconds, got \"\(text)\"") }
            value = parsed
        }
        guard value > 0, value.isFinite else { throw SettingError("\(name): must be more than 0 seconds") }
        return .milliseconds(Int64(value * 1000))
    }
}

/// An invalid setting; its message is the one line printed at startup.
public struct SettingError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
