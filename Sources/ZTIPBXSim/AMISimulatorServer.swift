import NIOCore
import ZTIAsterisk
import ZTILink

/// The TCP side of the AMI simulator: one task per connection, reading actions and writing what the
/// ``AMISimulator`` answers.
public struct AMISimulatorServer: Sendable {
    public let simulator: AMISimulator
    /// The port the server listens on (useful with port 0).
    public let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    /// Binds `host:port` (port 0 picks one).
    public static func bind(host: String, port: Int, simulator: AMISimulator) async throws -> AMISimulatorServer {
        let channel: LinkBootstrap.Listener<ByteBuffer, ByteBuffer> = try await LinkBootstrap.listen(
            host: host, port: port)
        let bound = channel.channel.localAddress?.port ?? port
        return AMISimulatorServer(simulator: simulator, port: bound, channel: channel)
    }

    /// Serves connections until cancelled.
    public func run() async throws {
        try await LinkBootstrap.accept(channel) { await serve($0) }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let (id, outputs) = await simulator.open()
        let read: @Sendable (NIOAsyncChannelInboundStream<ByteBuffer>) async throws -> Void = { inbound in
            var decoder = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
            for try await buffer in inbound {
                decoder.feed(buffer.readableBytesView)
                while let message = decoder.next() {
                    if message.kind == .action { await simulator.handle(id, message) }
                }
            }
        }
        await SimulatorOutput.serve(
            connection, outputs: outputs, stallDelay: { await simulator.stallDelay() }, read: read)
        await simulator.close(id)
    }
}
