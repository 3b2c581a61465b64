import DramaWireClient
import Foundation

/// A blocking loopback TCP socket for tests that must send bytes no well-behaved client would
/// (invalid UTF-8, partial lines) or must stop reading.
///
/// Its calls block, so async tests run them through ``blocking(_:)``, never on the cooperative
/// pool (two threads here: two tests blocked in `recv` would starve every server in the process).
// @unchecked Sendable: one thread uses a socket at a time. Tests hand it to `blocking` and await
// the result before touching it again, so its buffer is never accessed concurrently.
public final class RawSocket: @unchecked Sendable {
    public let fd: Int32

    /// Connects; `receiveBuffer` shrinks SO_RCVBUF (set before connect, so the window is small).
    public init(_ address: ServiceAddress, receiveBuffer: Int32? = nil, timeoutSeconds: Int = 10) throws {
        fd = try Self.connectedDescriptor(address) { fd in
            if var size = receiveBuffer {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close(fd) }

    /// A blocking descriptor connected to `address`, `configure`d before it connects (also
    /// ``FaultProxy``'s upstream side).
    static func connectedDescriptor(
        _ address: ServiceAddress, configure: (Int32) -> Void = { _ in }
    ) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        configure(fd)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(address.port).bigEndian
        sin.sin_addr.s_addr = inet_addr(address.host)
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw HarnessError("connect to \(address) failed")
        }
        return fd
    }

    public func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    public func send(_ text: String) { send(Array(text.utf8)) }

    private var pending: [UInt8] = []

    /// Reads one line (without LF); nil on EOF or timeout.
    public func readLine() -> String? {
        while true {
            if let lf = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<lf], as: UTF8.self)
                pending.removeFirst(lf + 1)
                return line
            }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return nil }
            pending.append(contentsOf: buffer[..<n])
        }
    }
}

/// Sends raw bytes and returns up to `lines` lines of the answer (greeting included).
public func rawExchange(_ address: ServiceAddress, bytes: [UInt8], lines: Int) async throws -> [String] {
    try await blocking {
        let socket = try RawSocket(address)
        socket.send(bytes)
        var result: [String] = []
        while result.count < lines, let line = socket.readLine() { result.append(line) }
        return result
    }
}

/// Runs blocking work (sockets, sleeps) on a dispatch thread instead of Swift's cooperative pool.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}
