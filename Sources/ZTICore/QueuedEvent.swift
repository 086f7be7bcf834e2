/// A call event on its way to the uploader, with the member's leg it came with (its resume key): what a worker
/// keeps until its ACK and what a supervisor queues while the uploader is away.
public struct QueuedEvent: Sendable, Equatable {
    public let event: CallEvent
    public let resumeKey: String?
    /// The `EVENT` frame's payload as a decoder validated it: relayed as it came, never encoded again.
    public let payload: [UInt8]?
    /// When the supervisor took it from its worker: the start of its way to the spool (`/metrics`).
    public var receivedAt: ContinuousClock.Instant?

    public init(
        event: CallEvent, resumeKey: String?, payload: [UInt8]? = nil, receivedAt: ContinuousClock.Instant? = nil
    ) {
        self.event = event
        self.resumeKey = resumeKey
        self.payload = payload
        self.receivedAt = receivedAt
    }
}
