import NIOCore

/// The server sent nothing for longer than the stream's liveness limit: a frozen peer, a
/// partition or a half-open connection (no FIN ever comes). The connection was closed.
public struct SilentPeerError: Error, Sendable, CustomStringConvertible {
    /// How long the connection had been silent when it was closed.
    public var silence: Duration
    public var description: String {
        "no line from the server for \(silence) (three heartbeat intervals); the connection is presumed dead"
    }
}

/// Closes the connection when no byte arrives for `limit` while the reader wants data, once
/// armed; raises ``SilentPeerError`` to the reader first. The kernel's keepalive would take
/// hours to notice a silent peer; a stream client knows the heartbeat interval and can tell
/// within seconds.
///
/// Silence is counted only while a read is outstanding: a reader that stopped asking for data
/// (backpressure while it applies a large batch) is busy, not talking to a dead peer.
final class SilenceWatchdog: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var limit: TimeAmount?
    /// Since when the reader has been waiting without receiving anything.
    private var waitingSince = NIODeadline.now()
    /// Whether a read is outstanding (requested, and nothing arrived since).
    private var waiting = false
    private var check: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        self.context = nil
    }

    func read(context: ChannelHandlerContext) {
        if !waiting {
            waiting = true
            waitingSince = .now()
        }
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waitingSince = .now()
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // A new read() marks waiting again at once if the reader still wants data.
        waiting = false
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    /// Starts (or changes) the limit, counting from now. Runs on the channel's event loop.
    func arm(_ limit: TimeAmount) {
        self.limit = limit
        waitingSince = .now()
        schedule(at: waitingSince + limit)
    }

    /// Stops watching (a request/reply session may wait long for a reply).
    func disarm() {
        limit = nil
        check?.cancel()
        check = nil
    }

    private func schedule(at deadline: NIODeadline) {
        guard let context else { return }
        check?.cancel()
        // Loop-bound: the task runs on this channel's event loop, like every other call here.
        // Reads only move `waitingSince`; the check re-arms itself from it, so a busy stream
        // costs one timer per limit, not one per line.
        let this = NIOLoopBound(self, eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: deadline) { this.value.expire() }
    }

    private func expire() {
        guard let context, let limit else { return }
        let now = NIODeadline.now()
        let silent = now - waitingSince
        guard waiting, silent >= limit else {
            schedule(at: waiting ? waitingSince + limit : now + limit)
            return
        }
        context.fireErrorCaught(SilentPeerError(silence: .nanoseconds(silent.nanoseconds)))
        context.close(promise: nil)
    }
}

extension TimeAmount {
    /// The same span as a NIO time amount (nanosecond resolution).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
