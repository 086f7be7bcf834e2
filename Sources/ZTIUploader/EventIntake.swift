import Foundation
import Logging
import NIOCore
import ZTICore
import ZTILink

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
    /// More of the uploader's state for STATUS (the sink, delivery counts, click-to-dial), never a secret; with
    /// `checkCRM`, the CRM checked too (``StatusRequest/checkCRM``).
    public var statusDetails: (@Sendable (_ checkCRM: Bool) async -> UploaderStatus)?
    /// Which supervisors name which groups (for the uploader's backstop).
    public var backstop: LifecycleBackstop?
    /// Called for every connection closed on a protocol error.
    public var protocolErrors: (@Sendable () -> Void)?
    /// The window of recent calls whose attempts `OPEN` reports, per group (its `call.max.open`).
    public var openWindow: @Sendable (String) -> Duration = { _ in .seconds(600) }
    private let logger: Logger
    private let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>

    /// Binds the Unix socket at `path` (directory 0750, socket 0660), replacing a stale socket file.
    public static func bind(path: String, spool: Spool, logger: Logger) async throws -> EventIntake {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        try? FileManager.default.removeItem(atPath: path)
        let server: LinkBootstrap.Listener<ByteBuffer, ByteBuffer> = try await LinkBootstrap.listen(unixPath: path)
        chmod(path, 0o660)
        return EventIntake(spool: spool, socketPath: path, onCommit: nil, logger: logger, server: server)
    }

    /// Takes over a listening socket systemd passed (socket activation of `ztisup-uploader.socket`).
    public static func adopt(descriptor: Int32, path: String, spool: Spool, logger: Logger) async throws -> EventIntake
    {
        let server: LinkBootstrap.Listener<ByteBuffer, ByteBuffer> = try await LinkBootstrap.listen(
            descriptor: descriptor)
        return EventIntake(spool: spool, socketPath: path, onCommit: nil, logger: logger, server: server)
    }

    /// Serves supervisors until cancelled.
    public func run() async throws {
        try await LinkBootstrap.accept(server) { await serve($0) }
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
            backstop?.closed(link: linkID)
        }
        // The groups the connection's latest HELLO named: an EVENT for another group is a protocol error.
        var named: Set<String>?
        var peerVersion = 1
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await buffer in inbound {
                    decoder.feed(buffer.readableBytesView)
                    var batch: [Spool.Incoming] = []
                    var replies: [Frame] = []
                    var helloGroups: [String]?
                    var results: [DialResult] = []
                    do {
                        while let (frame, payload) = try decoder.nextWithPayload() {
                            switch frame {
                            case .event(let event, let resumeKey):
                                // Only groups the connection's latest HELLO named are delivered; before any HELLO,
                                // none is (the architecture's "Versions" rule).
                                guard let named else {
                                    throw ZTICoreError(
                                        .eventInvalid,
                                        "event \(Untrusted.shown(event.id)) came before any HELLO: a supervisor "
                                            + "names its groups first; nothing of it was stored")
                                }
                                guard named.contains(event.group) else {
                                    throw ZTICoreError(
                                        .eventInvalid,
                                        "event \(Untrusted.shown(event.id)) is for group \(Untrusted.shown(event.group)), "
                                            + "which the supervisor's HELLO did not name "
                                            + "(\(named.sorted().joined(separator: ","))); nothing of it was stored")
                                }
                                // A bare event is stored as it came; one in an envelope is stored canonically.
                                let json =
                                    resumeKey == nil ? String(decoding: payload, as: UTF8.self) : event.canonicalJSON()
                                batch.append(Spool.Incoming(event: event, json: json, resumeKey: resumeKey))
                            case .hello(let hello):
                                helloGroups = hello.groups ?? []
                                named = Set(hello.groups ?? [])
                                peerVersion = hello.protocolVersion
                                backstop?.named(hello.groups ?? [], link: linkID)
                                logger.info(
                                    "supervisor pid \(hello.pid) (protocol \(hello.protocolVersion)) connected for groups \((hello.groups ?? []).joined(separator: ","))"
                                )
                                if hello.protocolVersion != WireProtocol.version {
                                    logger.warning(
                                        "supervisor pid \(hello.pid) speaks protocol \(hello.protocolVersion), this uploader \(WireProtocol.version): frames the other lacks are not sent; upgrade both to the same release"
                                    )
                                }
                                // A supervisor of protocol 1 accepts no HELLO from the uploader.
                                if hello.protocolVersion >= WireProtocol.resumeVersion {
                                    replies.append(
                                        .hello(
                                            Hello(role: .uploader, pid: getpid(), protocolVersion: WireProtocol.version)
                                        ))
                                }
                            case .statusRequest(let request): replies.append(.statusRequest(request))
                            case .openRequest(let request): replies.append(.openRequest(request))
                            case .dialResult(let result): results.append(result)
                            default: break
                            }
                        }
                    } catch let error as ZTICoreError {
                        // Commit what came before the bad frame, then close: the peer resends what is unacked.
                        try await commit(batch, outbound)
                        protocolErrors?()
                        logger.warning("closing a supervisor connection: \(error.message)")
                        return
                    }
                    try await commit(batch, outbound)
                    if let router {
                        if let helloGroups { await router.register(groups: helloGroups, id: linkID, writer: outbound) }
                        for result in results { await router.received(result) }
                    }
                    for reply in replies {
                        // STATUS_REQUEST and OPEN_REQUEST are answered after the commit, so the answer includes every
                        // event that came before the request on this connection.
                        switch reply {
                        case .statusRequest(let request):
                            let report = try await statusReport(checkCRM: request.checkCRM == true)
                            try await send(.uploaderStatus(report), outbound)
                        case .openRequest(let request):
                            for chunk in try spool.open(group: request.group, window: openWindow(request.group))
                                .chunked()
                            {
                                try await send(.open(chunk), outbound)
                            }
                        default:
                            if peerVersion >= WireProtocol.resumeVersion || reply.type != .hello {
                                try await send(reply, outbound)
                            }
                        }
                    }
                }
            }
        } catch is CancellationError {
            // The uploader is stopping: nothing to report.
        } catch {
            logger.warning("supervisor connection ended: \(error)")
        }
    }

    private func send(_ frame: Frame, _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        try await outbound.write(ByteBuffer(bytes: try FrameEncoder.encode(frame)))
    }

    /// The spool commit comes first; the ACK only after it succeeded.
    private func commit(_ batch: [Spool.Incoming], _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        guard !batch.isEmpty else { return }
        _ = try spool.append(batch, receivedAt: .now())
        onCommit?()
        // One ACK per group, in the order the groups first appear: the supervisor hands each to its group's worker.
        var groups: [String] = []
        var ids: [String: [String]] = [:]
        for incoming in batch {
            if ids[incoming.event.group] == nil { groups.append(incoming.event.group) }
            ids[incoming.event.group, default: []].append(incoming.event.id)
        }
        for group in groups {
            try await send(.ack(Ack(ids: ids[group] ?? [], group: group)), outbound)
        }
    }

    private func statusReport(checkCRM: Bool) async throws -> UploaderStatus {
        var status = await statusDetails?(checkCRM) ?? UploaderStatus()
        if status.spool == nil { status.spool = try spool.statusCounts() }
        return status
    }
}
