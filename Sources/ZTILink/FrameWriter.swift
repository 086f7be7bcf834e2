import NIOCore
import ZTICore

/// The writing side of a ``FrameLink``, usable from any task.
public struct FrameWriter: Sendable {
    public let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>

    public init(writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.writer = writer
    }

    /// Encodes and writes one frame.
    public func send(_ frame: Frame) async throws {
        try await writer.write(ByteBuffer(bytes: try FrameEncoder.encode(frame)))
    }

    /// Writes a frame whose payload is already encoded (relayed as a decoder validated it).
    public func send(type: FrameType, payload: [UInt8]) async throws {
        try await writer.write(ByteBuffer(bytes: try FrameEncoder.encode(type: type, payload: payload)))
    }
}
