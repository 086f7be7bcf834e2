import NIOCore
import ZTICore

/// Frames from a byte stream, decoded with the receiver's allow-table: `nil` at the end of the stream, an error
/// (which the caller answers by closing the link) for a frame the peer may not send or cannot be decoded.
public struct FrameStream {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var decoder: FrameDecoder

    public init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, receiver: PeerRole, sender: PeerRole) {
        iterator = inbound.makeAsyncIterator()
        decoder = FrameDecoder(receiver: receiver, sender: sender)
    }

    public mutating func next() async throws -> Frame? {
        try await nextWithPayload()?.frame
    }

    /// The next frame and its payload as it came.
    public mutating func nextWithPayload() async throws -> (frame: Frame, payload: [UInt8])? {
        while true {
            if let next = try decoder.nextWithPayload() { return next }
            guard let buffer = try await iterator.next() else { return nil }
            decoder.feed(buffer.readableBytesView)
        }
    }
}
