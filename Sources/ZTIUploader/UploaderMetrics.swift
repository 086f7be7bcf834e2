import Metrics
import Synchronization
import ZTICore

/// The uploader's metrics, through swift-metrics (no-ops unless the process bootstrapped a backend: with
/// `uploader.metrics.listen` set). Gauges are set from the uploader's status at each scrape; counters and the
/// request-duration histogram are updated where things happen.
public final class UploaderMetrics: Sendable {
    private let pending = Gauge(label: MetricName.spoolPending.rawValue)
    private let dead = Gauge(label: MetricName.spoolDead.rawValue)
    private let oldestPendingAge = Gauge(label: MetricName.spoolOldestPendingAge.rawValue)
    private let crmUp = Gauge(label: MetricName.crmUp.rawValue)
    /// The delivery totals at the last scrape, so that each scrape adds what happened since.
    private let deliveredBefore = Mutex<[String: Int]>([:])

    /// The delivery results that exist from the start (at 0), so that a rate over them is defined at once.
    static let deliveryResults = ["delivered", "retried", "dead", "skipped", "probes"]

    public init() {
        for result in Self.deliveryResults {
            Counter(label: MetricName.deliveries.rawValue, dimensions: [("result", result)]).increment(by: 0)
        }
    }

    /// Sets the gauges from `status` and counts the deliveries since the last scrape.
    public func refresh(_ status: UploaderStatus) {
        if let spool = status.spool {
            pending.record(spool.pending)
            dead.record(spool.dead)
            oldestPendingAge.record(spool.oldestPendingAgeSeconds ?? 0)
        }
        if let crm = status.crm { crmUp.record(crm.state == "answering" ? 1 : 0) }
        for (result, total) in status.delivery ?? [:] {
            let added = deliveredBefore.withLock { before in
                defer { before[result] = total }
                return total - (before[result] ?? 0)
            }
            if added > 0 {
                Counter(label: MetricName.deliveries.rawValue, dimensions: [("result", result)]).increment(by: added)
            }
        }
    }

    /// One request to the CRM took `duration`.
    public static func crmRequest(took duration: Duration) {
        Timer(label: MetricName.crmRequestDuration.rawValue).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// A Zoho token refresh ended with `result` (`ok`, `refused`, `limited`, `failed`).
    public static func tokenRefresh(_ result: String) {
        Counter(label: MetricName.tokenRefreshes.rawValue, dimensions: [("result", result)]).increment()
    }

    /// A click-to-dial request was answered with `result`.
    public static func clickToDialRequest(_ result: String) {
        Counter(label: MetricName.clickToDialRequests.rawValue, dimensions: [("result", result)]).increment()
    }

    /// A click-to-dial call's final outcome came.
    public static func clickToDialOutcome(_ result: String) {
        Counter(label: MetricName.clickToDialOutcomes.rawValue, dimensions: [("result", result)]).increment()
    }
}
