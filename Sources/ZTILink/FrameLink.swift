// A framed connection between two ztisup processes (supervisor, worker, uploader, CLI).
import NIOCore
import ZTICore

/// One framed connection between two ztisup processes: a socket wrapped by NIO, frames written whole.
public struct FrameLink: Sendable {
    public let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    public init(channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
        self.channel = channel
    }

    /// Wraps a connected socket descriptor (either end of a worker's socket pair).
    public static func adopt(_ descriptor: Int32) async throws -> FrameLink {
        FrameLink(channel: try await LinkBootstrap.adopt(descriptor: descriptor))
    }

    /// Connects to a Unix socket (the uploader's event socket, or a supervisor's control socket).
    public static func connect(path: String) async throws -> FrameLink {
        FrameLink(channel: try await LinkBootstrap.connect(unixPath: path))
    }
}
