import LineProtocol
import NIOCore
import Synchronization

/// Writes lines to one connection and keeps count of bytes not yet handed to the kernel.
///
/// Request/response traffic awaits each write. Stream mode (CHANGE, EVENT) uses
/// ``send(_:)``, which does not wait; ``pendingBytes`` then measures how far the peer is
/// behind, which is what the slow-consumer bound is checked against.
public final class LineWriter: Sendable {
    private let channel: Channel
    private let pending = Atomic<Int>(0)

    init(channel: Channel) {
        self.channel = channel
    }

    /// Bytes written but not yet flushed to the socket.
    public var pendingBytes: Int { pending.load(ordering: .relaxed) }

    /// Writes one line (LF appended) and waits until it was handed to the socket.
    public func write(_ line: String) async throws {
        try await send(line).get()
    }

    /// Writes one line without waiting; the returned future completes when it was written.
    @discardableResult
    public func send(_ line: String) -> EventLoopFuture<Void> {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        let size = buffer.readableBytes
        pending.add(size, ordering: .relaxed)
        let future = channel.writeAndFlush(buffer)
        future.whenComplete { _ in self.pending.subtract(size, ordering: .relaxed) }
        return future
    }

    /// Writes buffers that each hold whole lines, LF included, with one flush for all of them,
    /// without waiting; the returned future completes when the last was written.
    ///
    /// For fan-out: a buffer shared by many connections is not copied (ByteBuffer is
    /// copy-on-write), and a burst of lines becomes one vectored write, not a syscall per line.
    @discardableResult
    public func send(lines buffers: [ByteBuffer]) -> EventLoopFuture<Void> {
        guard !buffers.isEmpty else { return channel.eventLoop.makeSucceededVoidFuture() }
        let size = buffers.reduce(0) { $0 + $1.readableBytes }
        pending.add(size, ordering: .relaxed)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in self.pending.subtract(size, ordering: .relaxed) }
        // One task on the event loop, queued behind earlier sends from this thread, so lines
        // keep the order in which they were sent.
        channel.eventLoop.execute { [channel] in
            for (index, buffer) in buffers.enumerated() {
                channel.write(buffer, promise: index == buffers.count - 1 ? promise : nil)
            }
            channel.flush()
        }
        return promise.futureResult
    }

    /// Writes bytes that already hold whole lines, LF included (a cached reply), and waits.
    public func write(bytes: ByteBuffer) async throws {
        let size = bytes.readableBytes
        pending.add(size, ordering: .relaxed)
        defer { pending.subtract(size, ordering: .relaxed) }
        try await channel.writeAndFlush(bytes).get()
    }

    /// Writes a reply line and waits.
    public func write(_ reply: Reply) async throws {
        try await write(reply.line)
    }

    /// Closes the connection.
    public func close() {
        channel.close(promise: nil)
    }
}

extension LineWriter {
    /// Waits until `future` (a write) completes, at most `timeout`. Returns whether it did.
    public func waitUntilWritten(_ future: EventLoopFuture<Void>?, timeout: Duration) async -> Bool {
        guard let future else { return true }
        let eventLoop = future.eventLoop
        let promise = eventLoop.makePromise(of: Bool.self)
        let once = Once()
        future.whenComplete { result in
            if once.claim() { promise.succeed((try? result.get()) != nil) }
        }
        let timer = eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            if once.claim() { promise.succeed(false) }
        }
        let result = (try? await promise.futureResult.get()) ?? false
        timer.cancel()
        return result
    }

    /// Closes once `future` (the last write) completes, or after `timeout` at the latest, so a
    /// final error line has a chance to reach a peer that is still reading.
    public func close(after future: EventLoopFuture<Void>, timeout: Duration) {
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(timeout.nanoseconds)) {
            channel.close(promise: nil)
        }
        future.whenComplete { _ in
            timer.cancel()
            channel.close(promise: nil)
        }
    }
}

/// A flag that can be claimed once, from any thread.
final class Once: Sendable {
    private let flag = Atomic(false)
    func claim() -> Bool { !flag.exchange(true, ordering: .acquiringAndReleasing) }
}

extension Duration {
    /// The duration in whole nanoseconds.
    public var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
