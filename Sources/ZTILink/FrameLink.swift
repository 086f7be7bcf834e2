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

    /// Connects to `path`, sends `frame`, and collects what comes back (read as `receiver` from `sender`) until
    /// `done` says so, the link closes, or `limit` passes: the one-request exchanges of the CLI.
    public static func exchange(
        path: String, send frame: Frame, receiver: PeerRole, sender: PeerRole, limit: Duration,
        until done: @escaping @Sendable (Frame) -> Bool
    ) async throws -> [Frame] {
        let link = try await connect(path: path)
        return try await link.channel.executeThenClose { inbound, outbound in
            try await FrameWriter(writer: outbound).send(frame)
            var frames = FrameStream(inbound: inbound, receiver: receiver, sender: sender)
            var received: [Frame] = []
            let timer = Task {
                try await Task.sleep(for: limit)
                try await link.channel.channel.close()
            }
            defer { timer.cancel() }
            while let next = try await frames.next() {
                received.append(next)
                if done(next) { break }
            }
            return received
        }
    }
}
