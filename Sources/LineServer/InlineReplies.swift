import LineProtocol
import NIOCore

/// Answers some requests on the connection's event loop, with no hop to the service's task.
///
/// A service whose hottest request can often be answered from memory (the subscriber's GET of a
/// cached document) returns the complete reply bytes here, LF included; everything else returns
/// nil and reaches the connection's handler as usual. It runs on an event loop thread, so it
/// must never block.
public protocol InlineResponder: Sendable {
    /// The reply to `line`, or nil to pass the request on.
    func reply(to line: String) -> ByteBuffer?
}

/// Puts an ``InlineResponder`` in front of a connection's handler without breaking the
/// protocol's promises: replies stay in request order, and AUTH still gates every verb.
///
/// A request is answered inline only when every earlier request has been answered (otherwise
/// its reply could overtake theirs) and the connection is authorized. Both are tracked from what
/// passes through here: each request passed on is owed one reply line, and the reply to an AUTH
/// that starts with `OK` authorizes the connection. The greeting (or the refusal of a connection
/// over the limit) is written by ``Greeter``, which sits closer to the socket, so it never
/// passes through here: every write seen here answers a request. Once a WATCH or
/// SUBSCRIBE is passed on, the connection may enter stream mode, where writes are not replies, so
/// it is left alone from then on.
final class InlineReplyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = LineFrame
    typealias InboundOut = LineFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: any InlineResponder
    private var authorized: Bool
    private var streaming = false
    /// One entry per request passed on and not yet answered: whether it was an AUTH.
    private var owed = CircularBuffer<Bool>()

    init(responder: any InlineResponder, authRequired: Bool) {
        self.responder = responder
        self.authorized = !authRequired
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !streaming else { return context.fireChannelRead(data) }
        if case .line(let text?) = frame {
            if authorized, owed.isEmpty, let reply = responder.reply(to: text) {
                context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
                return
            }
            let verb = text.prefix { $0 != " " }.uppercased()
            if verb == "WATCH" || verb == "SUBSCRIBE" {
                streaming = true
            } else {
                owed.append(verb == "AUTH")
            }
        } else {
            // Not UTF-8, or too long: the handler answers (or closes) as it always does.
            owed.append(false)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if !streaming, let wasAuth = owed.popFirst(), wasAuth {
            let reply = unwrapOutboundIn(data)
            if reply.readableBytesView.starts(with: "OK".utf8) { authorized = true }
        }
        context.write(data, promise: promise)
    }
}
