import ZTICore

/// What the uploader reports beside its spool counts (the `STATUS` a supervisor asks for): the sink, delivery and
/// the CRM's health, whether the CRM is getting the calls, and click-to-dial.
public struct UploaderStatusSource: Sendable {
    let global: GlobalConfig
    let spool: Spool
    let delivery: DeliveryEngine?
    let router: DialRouter
    /// `host:port` of the click-to-dial listener, when it listens.
    let clickToDialListening: String?
    /// The sink's check with what the uploader holds (``UploaderSink/check``).
    let crmCheck: (@Sendable () async -> PreflightCheck)?

    public init(
        global: GlobalConfig, spool: Spool, delivery: DeliveryEngine?, router: DialRouter,
        clickToDialListening: String?, crmCheck: (@Sendable () async -> PreflightCheck)? = nil
    ) {
        self.global = global
        self.spool = spool
        self.delivery = delivery
        self.router = router
        self.clickToDialListening = clickToDialListening
        self.crmCheck = crmCheck
    }

    /// The status; with `checkCRM`, the CRM checked by the sink (or a note that this sink has nothing to check
    /// from the uploader).
    public func status(checkCRM: Bool = false) async -> UploaderStatus {
        var status = UploaderStatus()
        status.sink = global.sink.rawValue
        status.spool = try? spool.statusCounts()
        if let delivery {
            status.delivery = delivery.counts
            status.lastCRMError = delivery.lastError
            let health = delivery.health
            var crm = UploaderStatus.CRMHealth(state: health.failingSince == nil ? "answering" : "failing")
            if let since = health.failingSince {
                crm.failingSince = since.description
                crm.probeIntervalSeconds = Double(health.probeInterval.wholeMilliseconds) / 1000
            }
            status.crm = crm
            // Degraded while the backlog is older than crm.degraded.after: the CRM is not getting the calls.
            if let oldest = try? spool.oldestPending() {
                let age = EventTime.now().millisecondsSinceEpoch - oldest.millisecondsSinceEpoch
                if age > global.crmDegradedAfter.wholeMilliseconds {
                    status.degraded =
                        "the oldest undelivered event waits for \(age / 1000) s (crm.degraded.after \(global.crmDegradedAfter))"
                }
            }
        }
        status.clickToDial = UploaderStatus.ClickToDial(
            routedGroups: await router.routedGroups, listening: clickToDialListening)
        if checkCRM {
            if let crmCheck {
                status.crmCheck = await crmCheck()
            } else {
                status.crmCheck = PreflightCheck(
                    .note, "crm.sink = \(global.sink.rawValue): the uploader has nothing of its own to check")
            }
        }
        return status
    }
}
