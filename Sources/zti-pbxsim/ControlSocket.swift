import Foundation
import NIOCore
import NIOPosix
import ZTIPBXSim

/// The simulator's control socket: one JSON object per line in, `{"ok":true}` or `{"ok":false,"error":…}` out.
struct ControlSocket {
    let path: String
    let simulator: AMISimulator

    func run() async throws {
        try? FileManager.default.removeItem(atPath: path)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { try? await serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var pending: [UInt8] = []
            for try await buffer in inbound {
                pending += buffer.readableBytesView
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    let answer = await execute(line)
                    try await outbound.write(ByteBuffer(string: answer + "\n"))
                }
            }
        }
    }

    private func execute(_ line: [UInt8]) async -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
            let command = object["command"] as? String
        else { return #"{"ok":false,"error":"expected a JSON object with a \"command\""}"# }
        switch command {
        case "play":
            guard let file = object["file"] as? String, let data = FileManager.default.contents(atPath: file) else {
                return #"{"ok":false,"error":"play needs a readable \"file\""}"#
            }
            Task { await simulator.play(Array(data)) }
        case "originate":
            let member = (object["member"] as? String).flatMap(AMISimulator.OriginateOutcome.Party.init(rawValue:))
            let customer = (object["customer"] as? String).flatMap(AMISimulator.OriginateOutcome.Party.init(rawValue:))
            guard let member, let customer else {
                return #"{"ok":false,"error":"originate needs "member" and "customer": answer, noanswer or busy"}"#
            }
            await simulator.setOriginateOutcome(.init(member: member, customer: customer))
        case "drop": await simulator.drop()
        case "garbage": await simulator.garbage()
        case "restart": await simulator.restart()
        case "stall":
            let seconds = (object["seconds"] as? Double) ?? 5
            await simulator.stall(for: .milliseconds(Int64(seconds * 1000)))
        default:
            return #"{"ok":false,"error":"unknown command; expected play, originate, drop, stall, garbage or restart"}"#
        }
        return #"{"ok":true}"#
    }
}
