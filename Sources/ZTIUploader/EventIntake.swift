import Foundation
import Logging
import NIOCore
import NIOPosix
import ZTICore

/// The uploader's event socket: supervisors connect, say HELLO, and send EVENT frames; each batch is committed to
/// the spool in one transaction and only then acknowledged with an ACK naming every id (new or already spooled).
public struct EventIntake: Sendable {
    public let spool: Spool
    public let socketPath: String
    /// Called after every commit (the delivery engine's poke).
    public var onCommit: (@Sendable () -> Void)?
    /// Who may connect; the default admits root and the uploader's own user only.
    public var peerPolicy = PeerPolicy(trustedUIDs: [0, geteuid()], groupName: "ztisup-ev", groupID: nil)
    /// Where HELLOs register their groups for click-to-dial, and DIAL_RESULTs go.
    public var router: DialRouter?
    /// More of the uploader's state for STATUS (the sink, delivery counts, click-to-dial), never a secret.
    public var statusDetails: (@Sendable () async -> [String: JSONValue])?
    private let logger: Logger
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    /// Binds the Unix socket at `path` (directory 0750, socket 0660), replacing a stale socket file.
    public static func bind(path: String, spool: Spool, logger: Logger) async throws -> EventIntake {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        try? FileManager.default.removeItem(atPath: path)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        chmod(path, 0o660)
        return EventIntake(spool: spool, socketPath: path, onCommit: nil, logger: logger, server: server)
    }

    /// Takes over a listening socket systemd passed (socket activation of `ztisup-uploader.socket`).
    public static func adopt(descriptor: Int32, path: String, spool: Spool, logger: Logger) async throws -> EventIntake
    {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(descriptor) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        return EventIntake(spool: spool, socketPath: path, onCommit: nil, logger: logger, server: server)
    }

    /// Serves supervisors until cancelled.
    public func run() async throws {
        try await server.executeThenClose { inbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in inbound {
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        let peer = await PeerCredentials.of(connection.channel)
        if let peer, !peerPolicy.trustedUIDs.contains(peer.uid) {
            let groups = await PeerCredentials.supplementaryGroups(of: connection.channel) ?? []
            guard peerPolicy.admits(uid: peer.uid, groups: groups) else {
                let reason = "not root, not the uploader's user, not in group \(peerPolicy.groupName)"
                logger.warning("refused a connection from pid \(peer.pid) uid \(peer.uid): \(reason)")
                try? await connection.channel.close()
                return
            }
        }
        var decoder = FrameDecoder(receiver: .uploader, sender: .supervisor)
        let linkID = UUID()
        defer {
            if let router { Task { await router.unregister(id: linkID) } }
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await buffer in inbound {
                    decoder.feed(buffer.readableBytesView)
                    var batch: [(event: CallEvent, json: String)] = []
                    var replies: [Frame] = []
                    var helloGroups: [String]?
                    var results: [DialResult] = []
                    do {
                        while let (frame, payload) = try decoder.nextWithPayload() {
                            switch frame {
                            case .event(let event): batch.append((event, String(decoding: payload, as: UTF8.self)))
                            case .hello(let hello):
                                helloGroups = hello.groups ?? []
                                logger.info(
                                    "supervisor pid \(hello.pid) connected for groups \((hello.groups ?? []).joined(separator: ","))"
                                )
                            case .statusRequest: replies.append(.statusRequest(StatusRequest()))
                            case .dialResult(let result): results.append(result)
                            default: break
                            }
                        }
                    } catch let error as ZTICoreError {
                        // Commit what came before the bad frame, then close: the peer resends what is unacked.
                        try await commit(batch, outbound)
                        logger.warning("closing a supervisor connection: \(error.message)")
                        return
                    }
                    try await commit(batch, outbound)
                    if let router {
                        if let helloGroups { await router.register(groups: helloGroups, id: linkID, writer: outbound) }
                        for result in results { await router.received(result) }
                    }
                    for reply in replies {
                        // A STATUS_REQUEST is answered after the commit, with the counts that include this batch.
                        let answer = reply.type == .statusRequest ? Frame.status(try await statusReport()) : reply
                        try await outbound.write(ByteBuffer(bytes: try FrameEncoder.encode(answer)))
                    }
                }
            }
        } catch {
            logger.warning("supervisor connection ended: \(error)")
        }
    }

    /// The spool commit comes first; the ACK only after it succeeded.
    private func commit(
        _ batch: [(event: CallEvent, json: String)], _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        guard !batch.isEmpty else { return }
        _ = try spool.append(batch, receivedAt: .now())
        onCommit?()
        try await outbound.write(ByteBuffer(bytes: try FrameEncoder.encode(.ack(Ack(ids: batch.map(\.event.id))))))
    }

    private func statusReport() async throws -> JSONValue {
        let counts = try spool.counts()
        var details = await statusDetails?() ?? [:]
        details["role"] = .string("uploader")
        var spoolDetails: [String: JSONValue] = [
            "pending": .number(Double(counts[.pending] ?? 0)),
            "delivered": .number(Double(counts[.delivered] ?? 0)),
            "dead": .number(Double(counts[.dead] ?? 0)),
        ]
        if let oldest = try spool.oldestPending() {
            let age = max(0, EventTime.now().millisecondsSinceEpoch - oldest.millisecondsSinceEpoch) / 1000
            spoolDetails["oldestPendingAgeSeconds"] = .number(Double(age))
        }
        details["spool"] = .object(spoolDetails)
        return .object(details)
    }
}
