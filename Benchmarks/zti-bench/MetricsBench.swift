import Foundation
import Glibc
import ZTITestKit

/// What `/metrics` costs (`zti-bench system BIN metrics`): the same end-to-end phases as the latency figures, once
/// with `metrics.listen` and `uploader.metrics.listen` unset and once with both set and scraped every 5 seconds with
/// curl (a busy Prometheus scrapes every 15): p50/p99 at 1,000 events/s, and the most events/s sustained with
/// nothing dropped.
enum MetricsBench {
    static func run(binDirectory: String) async throws {
        print("end to end with /metrics off and on (scraped every 5 s), crm.webhook.batch = \(SystemBench.batch)")
        for metrics in [false, true] {
            let ports = metrics ? [try LoopbackPort.unused(), try LoopbackPort.unused()] : []
            var settings = "crm.webhook.batch = \(SystemBench.batch)\n"
            if metrics {
                settings += "metrics.listen = 127.0.0.1:\(ports[0])\nuploader.metrics.listen = 127.0.0.1:\(ports[1])\n"
            }
            let system = try await BenchSystem.start(
                binDirectory: binDirectory, groups: 1, extensions: 1000, crmSettings: settings)
            let scraper = Task {
                var scrapes = 0
                var failures = 0
                while !Task.isCancelled, !ports.isEmpty {
                    for port in ports {
                        let curl = try? ChildProcess.run(
                            "/usr/bin/curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/metrics"])
                        scrapes += 1
                        if curl?.status != 0 { failures += 1 }
                    }
                    try? await Task.sleep(for: .seconds(5))
                }
                return (scrapes, failures)
            }
            let label = metrics ? "on" : "off"
            _ = try await SystemBench.offer(system, eventsPerSecond: 300, seconds: 2, tag: metrics ? 21 : 11)
            let phase = try await SystemBench.offer(
                system, eventsPerSecond: 1000, seconds: 5, tag: metrics ? 22 : 12)
            print("  metrics \(label): " + phase.report)
            ZTIBench.figure("metrics_\(label)_p99_ms_1000", SystemBench.percentile(phase.all, 99) ?? .nan)
            let best =
                try await SystemBench.mostSustained(
                    system, tagBase: metrics ? 9500 : 9400, printingSteps: false)?.target ?? 0
            scraper.cancel()
            let (scrapes, failures) = await scraper.value
            print("  metrics \(label): most sustained events/s with nothing dropped: \(best)")
            if metrics { print("  metrics on: \(scrapes) scrapes, \(failures) failed") }
            ZTIBench.figure("metrics_\(label)_sustained_events_per_s", Double(best))
            system.stop()
        }
    }
}
