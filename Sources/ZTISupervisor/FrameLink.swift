import NIOCore
import NIOPosix
import ZTICore

/// One framed connection between two ztisup processes: a socket wrapped by NIO, frames written whole.
struct FrameLink: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Wraps a connected socket descriptor (the supervisor's end of a worker's socket pair).
    static func adopt(_ descriptor: Int32) async throws -> FrameLink {
        FrameLink(
            channel: try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .withConnectedSocket(descriptor) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                })
    }

    /// Connects to a Unix socket (the uploader's event socket, or a supervisor's control socket).
    static func connect(path: String) async throws -> FrameLink {
        FrameLink(
            channel: try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                })
    }
}

/// The writing side of a ``FrameLink``, usable from any task.
struct FrameWriter: Sendable {
    let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>

    func send(_ frame: Frame) async throws {
        try await writer.write(ByteBuffer(bytes: try FrameEncoder.encode(frame)))
    }
}
