import Metrics
import Synchronization
import ZTICore

/// A supervisor's metrics, per group, through swift-metrics (no-ops unless `metrics.listen` made the process
/// bootstrap a backend). Gauges and the counters whose totals the workers report are set from the supervisor's
/// status at each scrape; the events and their way to the spool are counted as they pass.
public final class SupervisorMetrics: Sendable {
    /// The totals at the last scrape (restarts, drops, reconnects per group), so that each scrape adds what
    /// happened since; a worker's own counters restart with it, which counts as starting again from 0.
    private let before = Mutex<[String: Int]>([:])
    /// The labels each group's info gauge was last set with, so that a change clears the old series.
    private let infoLabels = Mutex<[String: [(String, String)]]>([:])
    /// The per-event counters and the per-group latency histograms, made once: an event only looks its up.
    private let eventCounters = Mutex<[String: Counter]>([:])
    private let commitTimers = Mutex<[String: Timer]>([:])

    public init() {}

    /// Sets the gauges from `report` (and each group's heartbeat age), and counts what the totals added.
    public func refresh(_ report: StatusReport, heartbeatAges: [String: Double]) {
        Gauge(label: MetricName.uploaderConnected.rawValue).record(report.uploader.state == .connected ? 1 : 0)
        Gauge(label: MetricName.bufferedEvents.rawValue).record(report.buffer.queued)
        for group in report.groups {
            let label = [("group", group.group)]
            Gauge(label: MetricName.groupLinkUp.rawValue, dimensions: label).record(group.link == .connected ? 1 : 0)
            Gauge(label: MetricName.groupActiveCalls.rawValue, dimensions: label).record(group.activeCalls ?? 0)
            if let age = heartbeatAges[group.group] {
                Gauge(label: MetricName.groupHeartbeatAge.rawValue, dimensions: label).record(age)
            }
            setInfo(group)
            add(.groupRestarts, group.group, total: group.restarts ?? 0, resets: false)
            add(.groupDropped, group.group, total: group.dropped ?? 0, resets: true)
            add(.groupReconnects, group.group, total: group.linkLosses ?? 0, resets: true)
        }
    }

    /// A worker's call event passed the supervisor.
    func event(group: String, state: String) {
        let counter = eventCounters.withLock { counters in
            let key = group + "/" + state
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: MetricName.groupEvents.rawValue, dimensions: [("group", group), ("state", state)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// The uploader acknowledged an event of `group` this long after the supervisor took it.
    func committed(group: String, after duration: Duration) {
        let timer = commitTimers.withLock { timers in
            if let timer = timers[group] { return timer }
            let timer = Timer(label: MetricName.groupEventCommit.rawValue, dimensions: [("group", group)])
            timers[group] = timer
            return timer
        }
        timer.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// Adds to the counter `name` of `group` what `total` grew by since the last scrape; with `resets`, a total
    /// that went down (a new worker) counts from 0.
    private func add(_ name: MetricName, _ group: String, total: Int, resets: Bool) {
        let key = name.rawValue + "/" + group
        let added = before.withLock { before in
            defer { before[key] = total }
            let last = before[key] ?? 0
            return total >= last ? total - last : (resets ? total : 0)
        }
        // Made at the first scrape even at 0, so that a rate over it is defined at once.
        Counter(label: name.rawValue, dimensions: [("group", group)]).increment(by: added)
    }

    private func setInfo(_ group: StatusReport.Group) {
        let labels = [("group", group.group), ("pbx", group.pbx?.type ?? ""), ("family", group.family ?? "")]
        let previous = infoLabels.withLock { known in
            defer { known[group.group] = labels }
            return known[group.group]
        }
        if let previous, previous.map({ $0.1 }) != labels.map({ $0.1 }) {
            Gauge(label: MetricName.groupInfo.rawValue, dimensions: previous).record(0)
        }
        Gauge(label: MetricName.groupInfo.rawValue, dimensions: labels).record(1)
    }
}
