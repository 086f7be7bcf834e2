import NIOCore
import NIOSSL
import ZTIAvaya
import ZTILink

/// The TCP side of the AES simulator: one task per connection, splitting frames with the DMCC codec (a header no
/// AES client sends closes the connection, as AES does), answering through ``AESSimulator``, and expiring session
/// timers every 100 ms.
public struct AESSimulatorServer: Sendable {
    public let simulator: AESSimulator
    /// The port the server listens on (useful with port 0).
    public let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    /// Binds `host:port` (port 0 picks one); with `tls`, connections speak TLS (as AES does on 4722).
    public static func bind(host: String, port: Int, simulator: AESSimulator, tls: NIOSSLContext? = nil)
        async throws -> AESSimulatorServer
    {
        let setup: LinkBootstrap.Setup = { child in
            if let tls { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
        }
        let channel: LinkBootstrap.Listener<ByteBuffer, ByteBuffer> = try await LinkBootstrap.listen(
            host: host, port: port, setup: setup)
        let bound = channel.channel.localAddress?.port ?? port
        return AESSimulatorServer(simulator: simulator, port: bound, channel: channel)
    }

    /// A TLS context serving `certificate` (PEM chain) with `key` (PEM).
    public static func tlsContext(certificate: String, key: String) throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }

    /// Serves connections until cancelled.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(100))
                    await simulator.expireSessions()
                }
            }
            try await LinkBootstrap.accept(channel) { await serve($0) }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let (id, outputs) = await simulator.open()
        let read: @Sendable (NIOAsyncChannelInboundStream<ByteBuffer>) async throws -> Void = { inbound in
            var decoder = DMCCFrameDecoder()
            for try await buffer in inbound {
                decoder.feed(buffer.readableBytesView)
                while let frame = try decoder.next() { await simulator.handle(id, frame) }
            }
        }
        await SimulatorOutput.serve(
            connection, outputs: outputs, stallDelay: { await simulator.stallDelay() }, read: read)
        await simulator.close(id)
    }
}
