import NIOCore

/// One inbound frame.
public enum LineFrame: Sendable, Equatable {
    /// A complete line, without LF and without a CR before it. `nil` when not valid UTF-8.
    case line(String?)
    /// The peer sent more than the limit without a LF; the connection must be answered and closed.
    case tooLong
}

/// Splits a byte stream into LF-terminated lines and enforces the line limit.
///
/// nio-extras' `LineBasedFrameDecoder` has no limit, and bounding it with
/// `maximumBufferSize` throws before a reply can be written; this decoder instead emits
/// ``LineFrame/tooLong`` so the server can answer `ERR line_too_long` first.
public struct LineFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = LineFrame

    private let maximumLineBytes: Int
    private var scanned = 0
    private var overflowed = false

    /// Creates a decoder that accepts lines of at most `maximumLineBytes` bytes (LF excluded).
    public init(maximumLineBytes: Int) {
        self.maximumLineBytes = maximumLineBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if overflowed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.index(view.startIndex, offsetBy: scanned)
        guard let lf = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = view.count
            if view.count > maximumLineBytes + 1 {  // +1: a CR may precede the LF
                overflowed = true
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                context.fireChannelRead(wrapInboundOut(.tooLong))
            }
            return .needMoreData
        }
        let length = lf - view.startIndex
        scanned = 0
        var lineLength = length
        if lineLength > 0, view[view.startIndex + lineLength - 1] == UInt8(ascii: "\r") { lineLength -= 1 }
        if lineLength > maximumLineBytes {
            overflowed = true
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            context.fireChannelRead(wrapInboundOut(.tooLong))
            return .needMoreData
        }
        let bytes = buffer.readableBytesView[view.startIndex..<(view.startIndex + lineLength)]
        let line = String(validating: bytes, as: UTF8.self)
        buffer.moveReaderIndex(forwardBy: length + 1)
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A partial line at EOF is not a request: the peer went away before finishing it.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
