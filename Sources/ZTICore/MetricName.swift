/// Every Prometheus metric ztisup exports: its name (the label given to swift-metrics), its type and its help
/// text, which `/metrics` adds as `# HELP` (swift-metrics carries none). Names follow Prometheus conventions:
/// `ztisup_` first, `_total` on counters, base units (`_seconds`), and a `group` label on a group's metrics.
public enum MetricName: String, CaseIterable, Sendable {
    // The uploader.
    case spoolPending = "ztisup_uploader_spool_pending"
    case spoolDead = "ztisup_uploader_spool_dead"
    case spoolOldestPendingAge = "ztisup_uploader_spool_oldest_pending_age_seconds"
    case crmUp = "ztisup_uploader_crm_up"
    case deliveries = "ztisup_uploader_deliveries_total"
    case crmRequestDuration = "ztisup_uploader_crm_request_duration_seconds"
    case tokenRefreshes = "ztisup_uploader_token_refreshes_total"
    case clickToDialRequests = "ztisup_uploader_clicktodial_requests_total"
    case clickToDialOutcomes = "ztisup_uploader_clicktodial_outcomes_total"
    // A supervisor's groups (label `group`).
    case groupLinkUp = "ztisup_group_link_up"
    case groupInfo = "ztisup_group_info"
    case groupReconnects = "ztisup_group_reconnects_total"
    case groupEvents = "ztisup_group_events_total"
    case groupDropped = "ztisup_group_dropped_events_total"
    case groupRestarts = "ztisup_group_restarts_total"
    case groupActiveCalls = "ztisup_group_active_calls"
    case groupHeartbeatAge = "ztisup_group_heartbeat_age_seconds"
    case groupEventCommit = "ztisup_group_event_commit_seconds"
    // The supervisor itself.
    case uploaderConnected = "ztisup_supervisor_uploader_connected"
    case bufferedEvents = "ztisup_supervisor_buffered_events"

    /// The Prometheus type, as `# TYPE` says it.
    public var type: String {
        switch self {
        case .spoolPending, .spoolDead, .spoolOldestPendingAge, .crmUp, .groupLinkUp, .groupInfo,
            .groupActiveCalls, .groupHeartbeatAge, .uploaderConnected, .bufferedEvents:
            "gauge"
        case .deliveries, .tokenRefreshes, .clickToDialRequests, .clickToDialOutcomes, .groupReconnects, .groupEvents,
            .groupDropped, .groupRestarts:
            "counter"
        case .crmRequestDuration, .groupEventCommit: "histogram"
        }
    }

    /// The `# HELP` text.
    public var help: String {
        switch self {
        case .spoolPending: "Events in the spool not delivered to the CRM yet."
        case .spoolDead:
            "Events the CRM refused for good (dead letters: ztisup calls --dead, ztisup redeliver)."
        case .spoolOldestPendingAge: "Age of the oldest event not delivered yet, in seconds (0 when none waits)."
        case .crmUp: "1 while the CRM answers, 0 while its requests fail and it is probed."
        case .deliveries:
            "Delivery outcomes since the uploader started, by result (delivered, retried, dead, skipped, probes)."
        case .crmRequestDuration: "Duration of the requests to the CRM (one delivery or one batch), in seconds."
        case .tokenRefreshes: "Zoho access-token refreshes since the uploader started, by result."
        case .clickToDialRequests:
            "Click-to-dial HTTP requests since the uploader started, by result (accepted, refused, unauthorized, "
                + "invalid)."
        case .clickToDialOutcomes:
            "Click-to-dial calls' final outcomes since the uploader started, by result (answered, busy, noAnswer, "
                + "...)."
        case .groupLinkUp: "1 while the group's worker is connected to its PBX, else 0."
        case .groupInfo: "1 for the group's PBX type and protocol family (as the worker detected it)."
        case .groupReconnects: "Times the group's PBX link went down after being up (the worker then reconnects)."
        case .groupEvents: "Call events the group's worker sent, by state (ringing, answered, ended, ...)."
        case .groupDropped: "Events the group's worker dropped (full buffers, PBX events it had no room for)."
        case .groupRestarts: "Restarts of the group's worker since the supervisor started."
        case .groupActiveCalls: "Calls in progress in the group, as its worker tracks them."
        case .groupHeartbeatAge: "Seconds since the group's worker last reported (every 2 s while it is healthy)."
        case .groupEventCommit:
            "Time from the supervisor taking a call event from the group's worker to the uploader's ACK (the event "
                + "committed to the spool), in seconds."
        case .uploaderConnected: "1 while the supervisor is connected to the uploader, else 0."
        case .bufferedEvents: "Events the supervisor queues while the uploader is away."
        }
    }
}
