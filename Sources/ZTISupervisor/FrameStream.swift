import NIOCore
import ZTICore

/// Frames from a byte stream, decoded with the receiver's allow-table: `nil` at the end of the stream, an error
/// (which the caller answers by closing the link) for a frame the peer may not send or cannot be decoded.
struct FrameStream {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var decoder: FrameDecoder

    init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, receiver: PeerRole, sender: PeerRole) {
        iterator = inbound.makeAsyncIterator()
        decoder = FrameDecoder(receiver: receiver, sender: sender)
    }

    mutating func next() async throws -> Frame? {
        while true {
            if let frame = try decoder.next() { return frame }
            guard let buffer = try await iterator.next() else { return nil }
            decoder.feed(buffer.readableBytesView)
        }
    }
}
