import Foundation
import Testing
import ZTICore
import ZTITestKit

/// The shipped Grafana dashboard and Prometheus alert rules (`monitoring/`): they name only metrics ztisup
/// exports, the rules pass `promtool check rules`, and each alert fires on what it is meant for
/// (`promtool test rules`).
struct MonitoringFilesTests {
    static let directory = ZTISupProcess.repositoryRoot + "/monitoring"

    /// The metric names an expression text uses, without a histogram's series suffixes.
    static func metricNames(in text: String) -> Set<String> {
        let pattern = /ztisup_[a-z_]+/
        return Set(
            text.matches(of: pattern).map { match in
                var name = String(match.output)
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                    name.removeLast(suffix.count)
                }
                return name
            })
    }

    @Test func theDashboardAndTheRulesNameOnlyExportedMetrics() throws {
        let known = Set(MetricName.allCases.map(\.rawValue))
        let dashboard = try String(contentsOfFile: Self.directory + "/ztisup-dashboard.json", encoding: .utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any])
        let panels = try #require(object["panels"] as? [[String: Any]])
        #expect(panels.count >= 10)
        var expressions: [String] = []
        for panel in panels {
            let targets = try #require(panel["targets"] as? [[String: Any]], "\(panel["title"] ?? "")")
            expressions += targets.compactMap { $0["expr"] as? String }
        }
        let used = expressions.reduce(into: Set<String>()) { $0.formUnion(Self.metricNames(in: $1)) }
        #expect(used.subtracting(known).isEmpty, "\(used.subtracting(known))")
        let rules = try String(contentsOfFile: Self.directory + "/ztisup-alerts.yml", encoding: .utf8)
        let inRules = Self.metricNames(in: rules)
        #expect(inRules.subtracting(known).isEmpty, "\(inRules.subtracting(known))")
        for alert in ["ZtisupPBXLinkDown", "ZtisupBacklogGrowing", "ZtisupDeadLetters"] {
            #expect(rules.contains("alert: \(alert)"))
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: MetricsProcessTests.promtool)))
    func theRulesPassPromtoolAndEachAlertFiresOnItsCase() throws {
        let check = try ChildProcess.run(
            MetricsProcessTests.promtool, ["check", "rules", Self.directory + "/ztisup-alerts.yml"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let test = try ChildProcess.run(
            MetricsProcessTests.promtool, ["test", "rules", Self.directory + "/ztisup-alerts.test.yml"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"))
    }
}
