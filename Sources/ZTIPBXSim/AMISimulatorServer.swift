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
        try await channel.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let (id, outputs) = await simulator.open()
        try? await connection.executeThenClose { inbound, outbound in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await SimulatorOutput.write(outputs, to: outbound) { await simulator.stallDelay() }
                }
                group.addTask {
                    var decoder = AMIDecoder(droppedEvents: [], droppedEventPrefixes: [])
                    do {
                        for try await buffer in inbound {
                            decoder.feed(buffer.readableBytesView)
                            while let message = decoder.next() {
                                if message.kind == .action { await simulator.handle(id, message) }
                            }
                        }
                    } catch {}
                }
                // The connection ends when either side ends: the writer closing, or the client hanging up.
                await group.next()
                group.cancelAll()
            }
        }
        await simulator.close(id)
    }
}
