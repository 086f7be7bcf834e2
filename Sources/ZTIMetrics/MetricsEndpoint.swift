import CoreMetrics
import Logging
import Prometheus
import ZTICore
import ZTILink

/// The Prometheus endpoint of one process: `GET /metrics` on `metrics.listen` (`uploader.metrics.listen` for the
/// uploader) in the text exposition format. Before each scrape, `refresh` sets the gauges that are read off the
/// process's state (the spool, the groups' heartbeats); counters and histograms are updated where things happen.
public struct MetricsEndpoint: Sendable {
    /// The registry every metric of this process goes to, once ``bootstrap()`` ran.
    public static let registry = PrometheusCollectorRegistry()

    private let listener: HTTPListener

    /// The port it listens on (the configured one, or the one picked for port 0).
    public var port: Int { listener.port }

    /// Makes swift-metrics write to ``registry``. Called once, at the start of a process that serves `/metrics`,
    /// before any metric is created (a metric created before is a no-op for the life of the process).
    public static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = latencyBuckets
        MetricsSystem.bootstrap(factory)
    }

    /// Latency buckets from 5 ms to 30 s: a CRM round trip, and an event's way from the PBX to the spool.
    public static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30),
    ]

    /// Binds `listen` and serves until cancelled (``run()``).
    public static func bind(_ listen: HostPort, refresh: @escaping @Sendable () async -> Void, logger: Logger)
        async throws -> MetricsEndpoint
    {
        let listener = try await HTTPListener.bind(
            host: listen.host, port: listen.port, maximumBody: 0,
            refusal: { status, reason in text(status, reason + "\n") },
            handler: { request in await answer(request, refresh: refresh) })
        logger.info("metrics: http://\(HostPort(host: listen.host, port: listener.port))/metrics")
        return MetricsEndpoint(listener: listener)
    }

    static func answer(_ request: HTTPListener.Request, refresh: @Sendable () async -> Void) async
        -> HTTPListener.Response
    {
        let path = request.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard path == "/metrics" else { return text(404, "not found: the metrics are at /metrics\n") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return text(405, "method \(Untrusted.shown(request.method)) not allowed: GET /metrics\n")
        }
        await refresh()
        let body = request.method == "HEAD" ? [] : Array(withHelp(registry.emitToString()).utf8)
        return HTTPListener.Response(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: body)
    }

    /// The exposition with a `# HELP` line before each `# TYPE` line of a metric ``MetricName`` knows
    /// (swift-metrics carries no help text).
    static func withHelp(_ exposition: String) -> String {
        var out = ""
        out.reserveCapacity(exposition.utf8.count + 2048)
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst("# TYPE ".count).split(separator: " ").first,
                let known = MetricName(rawValue: String(name))
            {
                out += "# HELP \(known.rawValue) \(known.help)\n"
            }
            out += line
            out += "\n"
        }
        // The split gave back the final line end as an empty last line: drop the extra one.
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    static func text(_ status: Int, _ body: String) -> HTTPListener.Response {
        HTTPListener.Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(body.utf8))
    }

    /// Serves until cancelled.
    public func run() async throws {
        try await listener.run()
    }
}
