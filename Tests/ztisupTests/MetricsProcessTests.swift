import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// `/metrics` of the real processes, scraped with a real HTTP client (curl), and checked with `promtool` where
/// Debian's `prometheus` package is installed.
@Suite(.serialized) struct MetricsProcessTests {
    /// promtool, where bin/test.sh put it (`ZTI_PROMTOOL`), else Debian's.
    static let promtool = ProcessInfo.processInfo.environment["ZTI_PROMTOOL"] ?? "/usr/bin/promtool"

    /// One scrape: the status, the body, and its samples by series (`name{labels}`).
    struct Scrape {
        let status: Int
        let body: String
        var samples: [String: Double] {
            var samples: [String: Double] = [:]
            for line in body.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
                else { continue }
                samples[String(line[..<space])] = value
            }
            return samples
        }

        /// Runs promtool's checks on the body (its lint included) when promtool is installed.
        func promtoolProblems() throws -> String? {
            guard FileManager.default.isExecutableFile(atPath: MetricsProcessTests.promtool) else { return nil }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("zti-metrics-\(UUID())").path
            try body.write(toFile: file, atomically: true, encoding: .utf8)
            let outcome = try ChildProcess.run(
                "/bin/sh", ["-c", "\(MetricsProcessTests.promtool) check metrics < \(file)"])
            return outcome.status == 0 ? "" : outcome.stdout + outcome.stderr
        }
    }

    static func scrape(_ port: Int, path: String = "/metrics", method: String = "GET") throws -> Scrape {
        let outcome = try ChildProcess.run(
            "/usr/bin/curl",
            ["-s", "-m", "5", "-X", method, "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        var lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return Scrape(status: status, body: lines.joined(separator: "\n"))
    }

    /// Scrapes until `done` holds (or 15 s pass).
    static func scrape(_ port: Int, until done: (Scrape) -> Bool) throws -> Scrape {
        let deadline = Deadline(seconds: 15)
        var last = try scrape(port)
        while !done(last), !deadline.passed {
            usleep(100_000)
            last = try scrape(port)
        }
        return last
    }

    /// The port a process logged for its `/metrics`.
    static func port(in log: String) -> Int? {
        guard let range = log.range(of: "metrics: http://127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    @Test func theUploaderExportsItsSpoolDeliveriesAndCRMLatency() throws {
        let crm = try WebhookDeliveryTests.CRM(key: "hook-key-0123")
        let conf = try UploaderProcessTests.conf(
            "crm.webhook.url = http://127.0.0.1:\(crm.port)/events\nsecret.crm-webhook-secret.file = hook\n"
                + "crm.retry.min = 20ms\nuploader.metrics.listen = 127.0.0.1:0\n")
        try WebhookDeliveryTests.useWebhook(conf: conf, key: "hook-key-0123")
        let uploader = try UploaderProcessTests.Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let port = try #require(Self.port(in: uploader.log))

        let empty = try Self.scrape(port)
        #expect(empty.status == 200)
        #expect(empty.samples["ztisup_uploader_spool_pending"] == 0)
        #expect(empty.samples[#"ztisup_uploader_deliveries_total{result="delivered"}"#] == 0)

        try WebhookDeliveryTests.send(UploaderProcessTests.events(0..<3), conf: conf)
        let after = try Self.scrape(port) { $0.samples[#"ztisup_uploader_deliveries_total{result="delivered"}"#] == 3 }
        let samples = after.samples
        #expect(samples[#"ztisup_uploader_deliveries_total{result="delivered"}"#] == 3)
        #expect(samples["ztisup_uploader_spool_pending"] == 0)
        #expect(samples["ztisup_uploader_spool_dead"] == 0)
        #expect(samples["ztisup_uploader_crm_up"] == 1)
        #expect((samples["ztisup_uploader_crm_request_duration_seconds_count"] ?? 0) >= 3)
        #expect(after.body.contains("# HELP ztisup_uploader_spool_pending Events in the spool not delivered"))
        #expect(after.body.contains("# TYPE ztisup_uploader_crm_request_duration_seconds histogram"))
        if let problems = try after.promtoolProblems() { #expect(problems == "", "\(problems)") }

        #expect(try Self.scrape(port, path: "/other").status == 404)
        #expect(try Self.scrape(port, method: "POST").status == 405)

        // The CRM fails: its state and the backlog show.
        crm.command(#"{"command":"outage","seconds":600}"#)
        try WebhookDeliveryTests.send(UploaderProcessTests.events(3..<4), conf: conf)
        let failing = try Self.scrape(port) {
            $0.samples["ztisup_uploader_crm_up"] == 0 && $0.samples["ztisup_uploader_spool_pending"] == 1
        }
        #expect(failing.samples["ztisup_uploader_crm_up"] == 0)
        #expect(failing.samples["ztisup_uploader_spool_pending"] == 1, "\(failing.body)")
    }

    @Test func aZohoUploaderCountsItsTokenRefreshesAndTheClickToDialRequests() throws {
        // The fake CRM lives as long as its value: it is kept to the end.
        let (crm, conf, uploader) = try ZohoDeliveryTests.setUp(
            conf: "uploader.metrics.listen = 127.0.0.1:0\n", group: ClickToDialEndpointTests.group)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "Zoho PhoneBridge integration active"), "\(uploader.log)")
        #expect(uploader.wait(for: "listening http 127.0.0.1:"))
        let metricsPort = try #require(Self.port(in: uploader.log))
        let line = uploader.log.split(separator: "\n").first { $0.contains("listening http 127.0.0.1:") } ?? ""
        let dialPort = try #require(Int(line.split(separator: ":").last ?? ""))
        // One refused for its token, one for a number that cannot be dialled: neither reaches a PBX.
        for query in [
            "tonumber=0312345678&zohouser=111&ztitoken=wrong",
            "tonumber=03x&zohouser=111&ztitoken=\(ZohoDeliveryTests.clickToDialSecret)",
        ] {
            _ = try ChildProcess.run(
                "/usr/bin/curl", ["-s", "-m", "5", "http://127.0.0.1:\(dialPort)/ztisup/dial?\(query)"])
        }
        let scrape = try Self.scrape(metricsPort) {
            $0.samples[#"ztisup_uploader_clicktodial_requests_total{result="invalid"}"#] == 1
        }
        let samples = scrape.samples
        #expect(samples[#"ztisup_uploader_token_refreshes_total{result="ok"}"#] == 1)
        #expect(samples[#"ztisup_uploader_clicktodial_requests_total{result="unauthorized"}"#] == 1)
        #expect(samples[#"ztisup_uploader_clicktodial_requests_total{result="invalid"}"#] == 1)
        if let problems = try scrape.promtoolProblems() { #expect(problems == "", "\(problems)") }
        withExtendedLifetime((crm, conf)) {}
    }

    @Test func aSupervisorExportsEachGroupsLinkEventsAndTheirWayToTheSpool() throws {
        let setup = try CaptureCommandTests.Setup(umbrella: "metrics.listen = 127.0.0.1:0\n")
        defer { setup.stop() }
        #expect(try setup.waitUntilUp())
        #expect(setup.run.wait(for: "metrics: http://127.0.0.1:"))
        let port = try #require(Self.port(in: setup.run.log))
        let up = try Self.scrape(port) {
            $0.samples[#"ztisup_group_link_up{group="sales"}"#] == 1
                && $0.samples[#"ztisup_group_link_up{group="east"}"#] == 1
        }
        #expect(up.samples[#"ztisup_group_link_up{group="sales"}"#] == 1)
        #expect(up.samples[#"ztisup_group_info{group="sales",pbx="asterisk",family="12"}"#] == 1)
        #expect(up.samples[#"ztisup_group_info{group="east",pbx="avaya",family="aes"}"#] == 1)
        #expect(up.samples[#"ztisup_group_restarts_total{group="sales"}"#] == 0)
        #expect(up.samples["ztisup_supervisor_uploader_connected"] == 1)

        setup.playAMICall()
        let golden = try CaptureCommandTests.Setup.goldenCount()
        _ = setup.delivered("sales", atLeast: golden)
        let after = try Self.scrape(port) {
            ($0.samples[#"ztisup_group_event_commit_seconds_count{group="sales"}"#] ?? 0) >= Double(golden)
        }
        let samples = after.samples
        let events = samples.filter { $0.key.hasPrefix(#"ztisup_group_events_total{group="sales","#) }
        #expect(events.values.reduce(0, +) == Double(golden), "\(events)")
        #expect((samples[#"ztisup_group_events_total{group="sales",state="ringing"}"#] ?? 0) >= 1)
        #expect(samples[#"ztisup_group_event_commit_seconds_count{group="sales"}"#] == Double(golden))
        #expect((samples[#"ztisup_group_heartbeat_age_seconds{group="sales"}"#] ?? 99) < 10)
        #expect(after.body.contains("# HELP ztisup_group_link_up "))
        if let problems = try after.promtoolProblems() { #expect(problems == "", "\(problems)") }
    }

    @Test func aPerGroupSupervisorReadsItsPortFromTheGroupFile() throws {
        let (simulator, _, sales) = try WorkerProcessTests.simulator(family: "12")
        defer { simulator.kill() }
        let conf = try UploaderProcessTests.conf("metrics.listen = 127.0.0.1:1\nstartup.timeout = 5s\n")
        try String(contentsOfFile: sales.file, encoding: .utf8)
            .appending("metrics.listen = 127.0.0.1:0\n")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let run = try SupervisorProcessTests.Run(conf: conf, arguments: ["--group", "sales"])
        defer { run.process.kill() }
        #expect(run.wait(for: "metrics: http://127.0.0.1:"))
        let port = try #require(Self.port(in: run.log))
        #expect(port != 1)
        let up = try Self.scrape(port) { $0.samples[#"ztisup_group_link_up{group="sales"}"#] == 1 }
        #expect(up.samples[#"ztisup_group_link_up{group="sales"}"#] == 1)
    }

    @Test func aBadListenAddressIsAConfigurationError() throws {
        let conf = try UploaderProcessTests.conf("uploader.metrics.listen = localhost:http\n")
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains(#"uploader.metrics.listen = "localhost:http": expected PORT (on 127.0.0.1)"#))
    }
}
