import LineProtocol
import NIOCore
import Synchronization

/// Counts a server's open connections; shared by the server and each connection's ``Greeter``.
final class ConnectionCounter: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new count.
    func add() -> Int { value.add(1, ordering: .relaxed).newValue }

    func remove() { value.subtract(1, ordering: .relaxed) }

    var count: Int { value.load(ordering: .relaxed) }
}

/// Sends the greeting, or refuses a connection over the limit, the moment a connection is
/// accepted, on its event loop.
///
/// Writing the greeting from the connection's task instead would make it wait for the
/// cooperative pool; on a loaded machine that wait can outlast the idle timeout, and the
/// peer's first line would be the idle error instead of HELLO.
final class Greeter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let greeting: String
    private let maximumConnections: Int
    private let counter: ConnectionCounter
    private var counted = false
    private var refused = false

    init(greeting: String, maximumConnections: Int, counter: ConnectionCounter) {
        self.greeting = greeting
        self.maximumConnections = maximumConnections
        self.counter = counter
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { greet(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        greet(context)
        context.fireChannelActive()
    }

    private func greet(_ context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        let line: String
        if counter.add() > maximumConnections {
            refused = true
            line = WireError(.tooManyConnections, "the server has \(maximumConnections) connections").line
        } else {
            line = greeting
        }
        let channel = context.channel
        let write = context.writeAndFlush(
            NIOAny(channel.allocator.buffer(string: line + "\n")))
        if refused { write.whenComplete { _ in channel.close(promise: nil) } }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            counted = false
            counter.remove()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused connection's requests are never served.
        if !refused { context.fireChannelRead(data) }
    }
}
