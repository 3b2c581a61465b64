import DramaWireClient
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP proxy on 127.0.0.1 between a client and a service, for partition tests: it forwards
/// bytes both ways until told to fail in one of the ways a network does.
///
/// Each connection is pumped by two threads doing blocking reads and writes (never the
/// cooperative pool). The proxy only ever targets loopback addresses the test started.
// @unchecked Sendable: `mode` is an atomic, `sockets` and `listener` are guarded by `lock`;
// each pump thread owns its pair of descriptors until it ends.
public final class FaultProxy: @unchecked Sendable {
    /// What the proxy does with the bytes of every connection, new and existing.
    public enum Mode: UInt8, Sendable {
        /// Forwards both ways.
        case forward = 0
        /// Reads and holds everything, both ways, and delivers it in order once forwarding
        /// again: a partition (TCP loses nothing on a connection that survives one, it only
        /// stalls) in which no FIN or RST ever arrives.
        case blackHole = 1
        /// Stops reading, both ways: the peers' send buffers fill, as with a frozen process.
        case freeze = 2
        /// Holds what the client sends; the target's bytes still reach the client (a one-way
        /// partition: the target hears nothing, the client still hears the target).
        case blackHoleToTarget = 3
        /// Holds what the target sends; the client's bytes still reach the target.
        case blackHoleFromTarget = 4
    }

    /// Where clients connect.
    public private(set) var address = ServiceAddress(host: "127.0.0.1", port: 0)
    private let target: ServiceAddress
    private let mode = Atomic<UInt8>(Mode.forward.rawValue)
    private let delayMicroseconds = Atomic<Int>(0)
    private let lock = NSLock()
    private var sockets: Set<Int32> = []
    private var listener: Int32 = -1
    private let accepted = Atomic<Int>(0)

    /// Starts listening on a free loopback port and forwarding to `target`.
    public init(to target: ServiceAddress) throws {
        self.target = target
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw HarnessError("socket() failed") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &sin) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && listen(listener, 64) == 0
                    && getsockname(listener, address, &length) == 0
            }
        }
        guard bound else { throw HarnessError("the proxy could not listen") }
        address = ServiceAddress(host: "127.0.0.1", port: Int(UInt16(bigEndian: sin.sin_port)))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Connections accepted so far.
    public var connections: Int { accepted.load(ordering: .relaxed) }

    /// Changes what happens to the bytes of every connection from now on.
    public func set(_ newMode: Mode) { mode.store(newMode.rawValue, ordering: .relaxed) }

    /// Delays every chunk forwarded from now on by `delay` (zero: none), as a slow or congested
    /// link does; bytes stay in order.
    public func set(delay: Duration) {
        let (seconds, attoseconds) = delay.components
        delayMicroseconds.store(Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000), ordering: .relaxed)
    }

    /// Resets every open connection (RST to both peers), as a middlebox that drops its state.
    public func resetAll() {
        lock.withLock {
            for fd in sockets {
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                shutdown(fd, Int32(SHUT_RDWR))
            }
        }
    }

    /// Stops accepting and closes every connection.
    public func stop() {
        lock.withLock {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
            listener = -1
            for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let fd = lock.withLock { listener }
            guard fd >= 0 else { return }
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            guard let upstream = try? RawSocket.connectedDescriptor(target) else {
                close(client)
                continue
            }
            accepted.add(1, ordering: .relaxed)
            lock.withLock {
                sockets.insert(client)
                sockets.insert(upstream)
            }
            let done = Atomic<Int>(0)
            for (from, to, towardTarget) in [(client, upstream, true), (upstream, client, false)] {
                let thread = Thread { [self] in
                    pump(from: from, to: to, towardTarget: towardTarget)
                    // The second pump to end closes both descriptors.
                    if done.add(1, ordering: .relaxed).newValue == 2 {
                        lock.withLock {
                            sockets.remove(client)
                            sockets.remove(upstream)
                        }
                        close(client)
                        close(upstream)
                    }
                }
                thread.start()
            }
        }
    }

    private func pump(from: Int32, to: Int32, towardTarget: Bool) {
        let holding = towardTarget ? Mode.blackHoleToTarget.rawValue : Mode.blackHoleFromTarget.rawValue
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var held: [UInt8] = []
        defer { shutdown(to, Int32(SHUT_WR)) }
        func write(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes {
                    send(to, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
        while true {
            while mode.load(ordering: .relaxed) == Mode.freeze.rawValue { usleep(10_000) }
            // Wait briefly rather than block in recv: bytes held during a black hole must go
            // out once it heals, even if the sender has nothing more to say.
            var descriptor = pollfd(fd: from, events: Int16(POLLIN), revents: 0)
            var ended = false
            if poll(&descriptor, 1, 50) > 0 {
                let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
                if n > 0 { held += buffer[0..<n] } else { ended = true }
            }
            let current = mode.load(ordering: .relaxed)
            let holds = current == Mode.blackHole.rawValue || current == holding || current == Mode.freeze.rawValue
            // A connection that ends while its bytes are held loses them, as when the middlebox
            // holding them drops its state.
            if ended && (held.isEmpty || holds) { return }
            if held.isEmpty || holds { continue }
            let delay = delayMicroseconds.load(ordering: .relaxed)
            if delay > 0 { usleep(UInt32(delay)) }
            guard write(held) else { return }
            held.removeAll(keepingCapacity: true)
            if ended { return }
        }
    }
}
