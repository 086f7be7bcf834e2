/// The uploader's `STATUS` (its answer to `STATUS_REQUEST`): the sink, the delivery counts and the CRM's health,
/// click-to-dial and the spool. The supervisor embeds it in its own report's `uploader` part.
public struct UploaderStatus: Codable, Sendable, Equatable {
    /// Whether the CRM answers, and how often it is tried while it does not.
    public struct CRMHealth: Codable, Sendable, Equatable {
        /// `answering` or `failing`.
        public var state: String
        public var failingSince: String?
        public var probeIntervalSeconds: Double?

        public init(state: String, failingSince: String? = nil, probeIntervalSeconds: Double? = nil) {
            self.state = state
            self.failingSince = failingSince
            self.probeIntervalSeconds = probeIntervalSeconds
        }
    }

    /// The click-to-dial endpoint.
    public struct ClickToDial: Codable, Sendable, Equatable {
        /// The groups some connected supervisor runs (a `DIAL` for them has a route).
        public var routedGroups: [String]
        /// `host:port` when the endpoint listens.
        public var listening: String?

        public init(routedGroups: [String], listening: String? = nil) {
            self.routedGroups = routedGroups
            self.listening = listening
        }
    }

    /// The spool's rows by state.
    public struct SpoolCounts: Codable, Sendable, Equatable {
        public var pending: Int
        public var delivered: Int
        public var skipped: Int
        public var dead: Int
        public var kept: Int
        /// Events dropped because their lifecycle already had a final.
        public var afterFinalDropped: Int
        public var oldestPendingAgeSeconds: Int?

        public init(
            pending: Int, delivered: Int, skipped: Int, dead: Int, kept: Int, afterFinalDropped: Int,
            oldestPendingAgeSeconds: Int? = nil
        ) {
            self.pending = pending
            self.delivered = delivered
            self.skipped = skipped
            self.dead = dead
            self.kept = kept
            self.afterFinalDropped = afterFinalDropped
            self.oldestPendingAgeSeconds = oldestPendingAgeSeconds
        }
    }

    /// Always `uploader`.
    public var role: String = "uploader"
    /// `crm.sink`.
    public var sink: String?
    /// Delivery outcomes since the start (delivered, retried, dead, skipped, probes).
    public var delivery: [String: Int]?
    public var lastCRMError: String?
    public var crm: CRMHealth?
    /// Set while the oldest undelivered event is older than `crm.degraded.after`: the CRM is not getting the calls.
    public var degraded: String?
    public var clickToDial: ClickToDial?
    public var spool: SpoolCounts?
    /// The CRM checked with what the uploader holds, when the request asked for it (`checkCRM`).
    public var crmCheck: PreflightCheck?

    public init() {}
}
