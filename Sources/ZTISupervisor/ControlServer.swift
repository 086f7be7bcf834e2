import Foundation
import Glibc
import NIOCore
import ZTICore
import ZTILink

/// `control.sock`: `ztisup status` asks for STATUS, `ztisup dial` sends DIAL and waits for its results.
struct ControlServer: Sendable {
    let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    let supervisor: Supervisor

    /// Binds `path` (mode 0660), replacing a stale socket file.
    static func bind(path: String, supervisor: Supervisor) async throws -> ControlServer {
        unlink(path)
        let channel: LinkBootstrap.Listener<ByteBuffer, ByteBuffer> = try await LinkBootstrap.listen(unixPath: path)
        chmod(path, 0o660)
        return ControlServer(channel: channel, supervisor: supervisor)
    }

    func run() async throws {
        try await LinkBootstrap.accept(channel) { await serve($0) }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        try? await connection.executeThenClose { inbound, outbound in
            let writer = FrameWriter(writer: outbound)
            var frames = FrameStream(inbound: inbound, receiver: .supervisor, sender: .cli)
            while let frame = try await frames.next() {
                switch frame {
                case .statusRequest: try await writer.send(.status(await supervisor.report()))
                case .dial(let request): await supervisor.route(request, origin: .control(writer))
                case .capture(let request): try await writer.send(.captureResult(await supervisor.capture(request)))
                default: break
                }
            }
        }
    }
}
