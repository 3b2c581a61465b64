import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where a subscriber keeps its read model when `DRAMAWIRE_READMODEL` names a directory.
///
/// Replicas that share one directory (e.g. one Docker volume under `--scale subscriber=3`) must
/// not share a file: each claims the first free slot, `readmodel-N.sqlite`, by taking an
/// exclusive `flock` on `readmodel-N.lock`. The lock lives as long as the process (the kernel
/// drops it when the process dies, even by SIGKILL), so a restarted replica gets a slot back,
/// usually its own, and resumes from that file's applied seq.
public enum ReadModelSlot {
    /// Whether `path` means a directory: it ends with "/" or is an existing directory.
    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return path.hasSuffix("/")
            || (FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                && isDirectory.boolValue)
    }

    /// Claims a slot in `directory` (created if missing) and returns the database path. The lock's
    /// descriptor is deliberately never closed.
    public static func claim(in directory: String, maximumSlots: Int = 64) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        for slot in 1...maximumSlots {
            let lockPath = "\(base)/readmodel-\(slot).lock"
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SlotError(message: "cannot open \(lockPath): errno \(errno)") }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return "\(base)/readmodel-\(slot).sqlite" }
            close(fd)
        }
        throw SlotError(message: "all \(maximumSlots) read model slots in \(directory) are in use")
    }
}

/// No read model slot could be claimed.
public struct SlotError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
