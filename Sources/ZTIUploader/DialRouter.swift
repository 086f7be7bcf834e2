import Foundation
import Logging
import NIOCore
import ZTICore

/// Routes click-to-dial requests to the supervisor whose HELLO named the request's group, and brings its answers
/// back: the immediate `accepted`/`refused` to the waiting HTTP request (within a deadline), the final result to
/// `onFinal` (Zoho's `clicktodialerror` when the call was not answered).
public actor DialRouter {
    /// A supervisor connection, by the id the intake gave it.
    struct Link {
        let id: UUID
        let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    }

    /// A request waiting for its final result, for the report to the CRM.
    public struct Pending: Sendable {
        public let request: DialRequest
        /// The number as the CRM sent it, for the CRM's report.
        public let requestedNumber: String
        let since: ContinuousClock.Instant
    }

    private var links: [String: Link] = [:]
    private var waiting: [String: CheckedContinuation<DialResult, Never>] = [:]
    private var pending: [String: Pending] = [:]
    private let logger: Logger
    private var onFinal: (@Sendable (Pending, DialResult) async -> Void)?
    /// How long a request's final result is awaited before it is forgotten.
    private let finalResultLifetime: Duration = .seconds(3600)
    private let maximumPending = 10_000

    public init(logger: Logger) {
        self.logger = logger
    }

    /// What to do with a final result.
    public func setFinalHandler(_ handler: @escaping @Sendable (Pending, DialResult) async -> Void) {
        onFinal = handler
    }

    /// A supervisor said HELLO for `groups` on connection `id`.
    func register(groups: [String], id: UUID, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        // A HELLO after a reload replaces the connection's groups: a removed group is no longer routed there.
        links = links.filter { $0.value.id != id }
        for group in groups { links[group] = Link(id: id, writer: writer) }
    }

    /// Connection `id` closed: its groups have no route until a supervisor says HELLO again.
    func unregister(id: UUID) {
        links = links.filter { $0.value.id != id }
    }

    /// The groups with a connected supervisor.
    public var routedGroups: [String] { links.keys.sorted() }

    /// Sends `request` to its group's supervisor and waits up to `deadline` for `accepted` or `refused`.
    public func dial(_ request: DialRequest, requestedNumber: String, deadline: Duration = .seconds(2)) async
        -> DialResult
    {
        guard let link = links[request.group] else {
            return DialResult(
                clickToDialId: request.clickToDialId, group: request.group, status: .refused,
                reason: "group \(request.group) has no running supervisor connected to the uploader")
        }
        let frame: [UInt8]
        do {
            frame = try FrameEncoder.encode(.dial(request))
        } catch {
            return DialResult(
                clickToDialId: request.clickToDialId, group: request.group, status: .refused, reason: error.message)
        }
        prune()
        pending[request.clickToDialId] = Pending(
            request: request, requestedNumber: requestedNumber, since: ContinuousClock.now)
        let id = request.clickToDialId
        return await withCheckedContinuation { continuation in
            waiting[id] = continuation
            Task {
                do {
                    try await link.writer.write(ByteBuffer(bytes: frame))
                } catch {
                    self.answer(
                        DialResult(
                            clickToDialId: id, group: request.group, status: .refused,
                            reason: "the supervisor of group \(request.group) could not be reached: \(error)"))
                }
            }
            Task {
                try? await Task.sleep(for: deadline)
                self.answer(
                    DialResult(
                        clickToDialId: id, group: request.group, status: .refused,
                        reason: "group \(request.group) did not answer within \(deadline)"))
            }
        }
    }

    /// A DIAL_RESULT came from a supervisor.
    func received(_ result: DialResult) async {
        if result.status.isImmediate {
            if result.status == .refused { pending[result.clickToDialId] = nil }
            answer(result)
            return
        }
        guard let request = pending.removeValue(forKey: result.clickToDialId) else {
            logger.info("click-to-dial \(result.clickToDialId): \(result.status.rawValue) (no request waits for it)")
            return
        }
        logger.info("click-to-dial \(result.clickToDialId): \(result.status.rawValue)")
        UploaderMetrics.clickToDialOutcome(result.status.rawValue)
        await onFinal?(request, result)
    }

    /// Resumes the HTTP request waiting for `result`, once.
    private func answer(_ result: DialResult) {
        waiting.removeValue(forKey: result.clickToDialId)?.resume(returning: result)
    }

    private func prune() {
        let now = ContinuousClock.now
        pending = pending.filter { now - $0.value.since < finalResultLifetime }
        if pending.count >= maximumPending, let oldest = pending.min(by: { $0.value.since < $1.value.since }) {
            pending[oldest.key] = nil
        }
    }
}
