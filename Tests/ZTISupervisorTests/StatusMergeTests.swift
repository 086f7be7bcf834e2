import Testing
import ZTICore
import ZTISupervisor

struct StatusMergeTests {
    static func report(
        pid: Int32, group: String?, groups: [(String, GroupState)], uploader: StatusReport.UploaderState, queued: Int,
        protocolVersion: Int? = WireProtocol.version
    ) -> StatusReport {
        StatusReport(
            supervisor: StatusReport.Supervisor(
                pid: pid, summary: "s\(pid)", uptimeSeconds: 1, group: group, protocolVersion: protocolVersion),
            groups: groups.map { StatusReport.Group(group: $0.0, state: $0.1) },
            uploader: StatusReport.Uploader(state: uploader),
            buffer: StatusReport.Buffer(queued: queued, dropped: 0, capacity: 10))
    }

    static func states(_ merged: StatusReport) -> [String: GroupState] {
        Dictionary(uniqueKeysWithValues: merged.groups.map { ($0.group, $0.state) })
    }

    @Test func aGroupRunByItsOwnUnitWinsOverTheUmbrellasHeldElsewhereInEitherOrder() {
        let umbrella = Self.report(
            pid: 10, group: nil, groups: [("sales", .connected), ("north", .heldElsewhere)], uploader: .connected,
            queued: 2)
        let unit = Self.report(pid: 11, group: "north", groups: [("north", .connecting)], uploader: .away, queued: 3)
        for reports in [[umbrella, unit], [unit, umbrella]] {
            let merged = StatusMerge.merge(reports, configuredGroups: ["north", "sales"])
            #expect(Self.states(merged) == ["sales": .connected, "north": .connecting])
            #expect(merged.buffer == StatusReport.Buffer(queued: 5, dropped: 0, capacity: 20))
            #expect(merged.uploader == StatusReport.Uploader(state: .connected))
            #expect(merged.supervisors?.count == 2)
            #expect(!StatusView(merged).allUp)
        }
    }

    @Test func aConfiguredGroupThatNobodyRunsIsListedAndMakesTheStatusDegraded() {
        let umbrella = Self.report(
            pid: 10, group: nil, groups: [("sales", .connected)], uploader: .connected, queued: 0)
        #expect(StatusMerge.merge([umbrella], configuredGroups: ["sales"]) == umbrella)
        #expect(StatusView(umbrella).allUp)
        let merged = StatusMerge.merge([umbrella], configuredGroups: ["sales", "billing"])
        #expect(Self.states(merged) == ["sales": .connected, "billing": .notRunning])
        #expect(!StatusView(merged).allUp)
        #expect(StatusView(merged).text.contains("billing  not-running"))
        #expect(StatusView(merged).text.contains("no supervisor runs this group"))
    }

    /// A supervisor still running the previous release (a package upgraded, the unit not restarted yet) answers
    /// without this release's protocol: status says so and is not "all up".
    @Test func aSupervisorOfAnEarlierReleaseMakesTheStatusDegraded() {
        let old = Self.report(
            pid: 10, group: nil, groups: [("sales", .connected)], uploader: .connected, queued: 0, protocolVersion: nil)
        #expect(!StatusView(old).allUp)
        #expect(
            StatusView(old).text.contains(
                "degraded: the supervisor pid 10 speaks protocol 2 or earlier, this ztisup \(WireProtocol.version)"))
        let current = Self.report(pid: 10, group: nil, groups: [("sales", .connected)], uploader: .connected, queued: 0)
        #expect(StatusView(current).allUp)
        #expect(!StatusView(current).text.contains("degraded"))
    }

    /// The report's keys are the documented `status --json` schema: the typed report writes and reads the same
    /// keys the hand-built JSON of earlier releases had.
    @Test func theReportKeepsTheStatusJSONKeys() throws {
        var report = Self.report(pid: 7, group: nil, groups: [("sales", .connected)], uploader: .connected, queued: 1)
        report.groups[0].pbx = StatusReport.PBX(type: "asterisk", host: "10.0.0.5", port: 5038)
        report.groups[0].include(Heartbeat(link: .connected, family: "12", pbxVersion: "20.5.0", activeCalls: 2))
        report.uploader.include(
            {
                var status = UploaderStatus()
                status.sink = "zoho"
                status.spool = UploaderStatus.SpoolCounts(
                    pending: 1, delivered: 2, skipped: 0, dead: 0, kept: 0, afterFinalDropped: 0)
                return status
            }())
        let json = CanonicalJSON.string(report)
        for fragment in [
            #""groups":[{"#, #""activeCalls":2"#, #""family":"12""#, #""link":"connected""#, #""state":"connected""#,
            #""pbx":{"host":"10.0.0.5","port":5038,"type":"asterisk"}"#, #""version":"20.5.0""#,
            #""buffer":{"capacity":10,"dropped":0,"queued":1}"#, #""sink":"zoho""#,
            #""spool":{"afterFinalDropped":0,"dead":0,"delivered":2,"kept":0,"pending":1,"skipped":0}"#,
            #""supervisor":{"pid":7,"protocolVersion":"#,
        ] {
            #expect(json.contains(fragment), "\(fragment) in \(json)")
        }
        #expect(try CanonicalJSON.decode(StatusReport.self, from: Array(json.utf8)) == report)
        // A report of an earlier release (no protocol version, the uploader's role key) still reads.
        let earlier =
            #"{"buffer":{"capacity":10,"dropped":0,"queued":0},"groups":[{"group":"sales","state":"connecting"}],"#
            + #""supervisor":{"pid":3,"summary":"1 group","uptimeSeconds":5},"uploader":{"role":"uploader","state":"away"}}"#
        let decoded = try CanonicalJSON.decode(StatusReport.self, from: Array(earlier.utf8))
        #expect(decoded.supervisor?.protocolVersion == nil)
        #expect(decoded.groups.first?.state == .connecting)
    }

    @Test func statusSaysHowTheFamilyWasTold() {
        func text(_ source: String) -> String {
            var group = StatusReport.Group(group: "sales", state: .connected)
            group.family = "11"
            group.familySource = source
            return StatusView(
                StatusReport(
                    supervisor: nil, groups: [group], uploader: StatusReport.Uploader(state: .connected),
                    buffer: StatusReport.Buffer(queued: 0, dropped: 0, capacity: 1))
            ).text
        }
        #expect(text("events").contains("family 11 (inferred from events)"))
        #expect(text("assumed").contains("family 11 (assumed: nothing told it)"))
        #expect(text("banner").contains("family 11") && !text("banner").contains("family 11 ("))
    }
}
