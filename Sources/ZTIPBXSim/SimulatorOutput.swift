import NIOCore

/// What a simulator's connection writer does next: write bytes, or close the connection.
enum SimulatorOutput: Sendable {
    case bytes([UInt8])
    case close

    /// Writes `outputs` to `outbound` until a `close`, the end of the stream or a failed write, waiting out a
    /// `stall` fault before each write. Shared by the AMI and the AES simulators.
    static func write(
        _ outputs: AsyncStream<SimulatorOutput>, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        stallDelay: @Sendable () async -> Duration?
    ) async {
        for await output in outputs {
            // A cancelled sleep ends the writer: retrying it would spin until the stall is over.
            while let delay = await stallDelay() {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            switch output {
            case .bytes(let bytes):
                do { try await outbound.write(ByteBuffer(bytes: bytes)) } catch { return }
            case .close:
                return
            }
        }
    }

    /// Serves one client of a simulator: what the simulator writes for it goes out (see ``write(_:to:stallDelay:)``)
    /// while `read` takes what the client sends; the connection ends when either side ends.
    static func serve(
        _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, outputs: AsyncStream<SimulatorOutput>,
        stallDelay: @escaping @Sendable () async -> Duration?,
        read: @escaping @Sendable (NIOAsyncChannelInboundStream<ByteBuffer>) async throws -> Void
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await write(outputs, to: outbound, stallDelay: stallDelay) }
                group.addTask { try? await read(inbound) }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
