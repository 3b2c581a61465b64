import LineProtocol
import NIOCore

/// Closes a connection that has been silent too long, or that takes too long to finish a line.
///
/// Silence means neither a byte received nor a byte sent, so stream-mode connections stay open
/// on the server's heartbeats alone. The line deadline runs from the first byte of an
/// unfinished line: a client dripping one byte a second never finishes a line in time, so it
/// cannot hold a connection slot forever. Either way the peer gets one `ERR bad_request` line
/// saying why, then the connection closes.
final class IdleGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let idleTimeout: TimeAmount
    private let lineTimeout: TimeAmount
    private var lastActivity = NIODeadline.now()
    private var partialLineSince: NIODeadline?
    private var timer: RepeatedTask?

    init(idleTimeout: TimeAmount, lineTimeout: TimeAmount) {
        self.idleTimeout = idleTimeout
        self.lineTimeout = lineTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        lastActivity = now
        let bytes = unwrapInboundIn(data).readableBytesView
        if let lastLF = bytes.lastIndex(of: UInt8(ascii: "\n")) {
            // Whatever follows the last LF starts a new, unfinished line.
            partialLineSince = bytes.index(after: lastLF) == bytes.endIndex ? nil : now
        } else if partialLineSince == nil, !bytes.isEmpty {
            partialLineSince = now
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastActivity = .now()
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        lastActivity = .now()
        let period = TimeAmount.nanoseconds(max(50_000_000, min(idleTimeout, lineTimeout).nanoseconds / 4))
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let (handler, context) = bound.value
            handler.check(context)
        }
    }

    private func stop() {
        timer?.cancel()
        timer = nil
    }

    private func check(_ context: ChannelHandlerContext) {
        let now = NIODeadline.now()
        let reason: String
        if let since = partialLineSince, now - since > lineTimeout {
            reason = "a line must be completed within \(Self.seconds(lineTimeout)) s"
        } else if now - lastActivity > idleTimeout {
            reason = "connection idle for more than \(Self.seconds(idleTimeout)) s"
        } else {
            return
        }
        stop()
        let line = WireError(.badRequest, reason).line + "\n"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: line))).whenComplete { _ in
            channel.close(promise: nil)
        }
        // A peer that does not read may never take the line; close regardless after a moment.
        channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let value = Double(amount.nanoseconds) / 1e9
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}
