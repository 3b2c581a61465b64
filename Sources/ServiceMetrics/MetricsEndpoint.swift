import CoreMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import Synchronization

/// A service's metrics: a Prometheus registry, the swift-metrics factory that feeds it, and an
/// optional HTTP endpoint serving `GET /metrics` in the text exposition format.
///
/// Each service owns its own registry (rather than bootstrapping the global `MetricsSystem`), so
/// several services in one process (the tests) keep separate numbers.
public final class MetricsEndpoint: Sendable {
    /// Where the metrics are collected.
    public let registry: PrometheusCollectorRegistry
    /// Pass this as `factory:` when creating swift-metrics `Counter`s, `Timer`s, …
    public let factory: any MetricsFactory
    private let address: (host: String, port: Int)?
    private let logger: Logger
    private let bound = Mutex<(channel: Channel?, waiters: [CheckedContinuation<Int, Error>])>((nil, []))

    /// Creates the registry; `listen` (host, port; port 0 picks one) enables the HTTP endpoint.
    public init(listen: (host: String, port: Int)?, logger: Logger) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
        self.registry = registry
        self.factory = factory
        self.address = listen
        self.logger = logger
    }

    /// The Prometheus text of every metric.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The HTTP port actually bound (waits for `run()` to bind).
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let port: Int? = bound.withLock { state in
                if let channel = state.channel { return channel.localAddress?.port ?? 0 }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    /// Serves `/metrics` until the task is cancelled (without an address, it just waits, so a
    /// task group that ends when its first task does is not ended by it).
    public func run() async throws {
        guard let address else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        let registry = self.registry
        let channel: Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
                    }
                }
                .bind(host: address.host, port: address.port).get()
        } catch {
            let waiters = bound.withLock { state in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(throwing: error) }
            throw MetricsError(message: "metrics: cannot listen on \(address.host):\(address.port): \(error)")
        }
        let waiters = bound.withLock { state in
            state.channel = channel
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: channel.localAddress?.port ?? 0) }
        logger.info("metrics endpoint listening", metadata: ["address": "\(address.host):\(address.port)"])
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// Why the metrics endpoint could not start.
public struct MetricsError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Answers `GET /metrics` with the registry's text; 404 for anything else.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let registry: PrometheusCollectorRegistry
    private var wantsMetrics = false
    private var keepAlive = true

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            wantsMetrics = head.method == .GET && (head.uri == "/metrics" || head.uri.hasPrefix("/metrics?"))
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            var body: [UInt8] = []
            let status: HTTPResponseStatus
            if wantsMetrics {
                registry.emit(into: &body)
                status = .ok
            } else {
                body = Array("not found; try GET /metrics\n".utf8)
                status = .notFound
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.count))
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let keepAlive = self.keepAlive
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { bound.value.close(promise: nil) }
            }
        }
    }
}
