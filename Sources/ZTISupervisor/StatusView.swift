import ZTICore

/// `ztisup status` for people: one line per group, the uploader and the buffer; and whether all is up.
public struct StatusView: Sendable {
    public let report: StatusReport

    public init(_ report: StatusReport) {
        self.report = report
    }

    /// Supervisors that answered with another protocol than this `ztisup`: still running an earlier release.
    public var otherReleases: [StatusReport.Supervisor] {
        (report.supervisors ?? report.supervisor.map { [$0] } ?? []).filter {
            $0.protocolVersion != WireProtocol.version
        }
    }

    /// Every group connected, the uploader connected, of this release's protocol, and the CRM getting the calls.
    public var allUp: Bool { report.allUp && otherReleases.isEmpty }

    public var text: String {
        var lines: [String] = []
        if let supervisors = report.supervisors, supervisors.count > 1 {
            lines.append("ztisup: \(supervisors.count) supervisors")
            for supervisor in supervisors {
                let scope = supervisor.group.map { "group \($0)" } ?? "umbrella"
                lines.append(
                    "  \(scope): \(supervisor.summary) (pid \(supervisor.pid), up \(supervisor.uptimeSeconds) s)")
            }
        } else if let supervisor = report.supervisor {
            lines.append(
                "ztisup: \(supervisor.summary) (supervisor pid \(supervisor.pid), up \(supervisor.uptimeSeconds) s)")
        }
        for group in report.groups { lines.append(Self.line(group)) }
        lines.append(Self.line(report.uploader))
        if let degraded = report.uploader.degraded { lines.append("degraded: \(degraded)") }
        if let mismatch = report.uploader.protocolMismatch { lines.append("degraded: \(mismatch)") }
        for supervisor in otherReleases {
            lines.append(
                "degraded: the supervisor pid \(supervisor.pid) speaks protocol "
                    + "\(supervisor.protocolVersion.map(String.init) ?? "2 or earlier"), this ztisup "
                    + "\(WireProtocol.version): it still runs the previous release; restart it to finish the upgrade")
        }
        lines.append("buffer    \(report.buffer.queued) queued, \(report.buffer.dropped) dropped")
        return lines.joined(separator: "\n") + "\n"
    }

    static func line(_ group: StatusReport.Group) -> String {
        let pbx = group.pbx.map { "  \($0.type) \($0.host):\($0.port)" } ?? ""
        var line = "\(group.group)\(pbx)  \(group.state.rawValue)"
        if let pid = group.pid { line += "  pid \(pid)" }
        if let up = group.uptimeSeconds { line += "  up \(up) s" }
        if let family = group.family {
            line += "  family \(family)" + (group.version.map { " (\($0))" } ?? "")
            switch group.familySource {
            case "events": line += " (inferred from events)"
            case "assumed": line += " (assumed: nothing told it)"
            default: break
            }
        }
        if let monitored = group.monitored { line += "  monitored \(monitored.count)" }
        if let failed = group.failedExtensions, !failed.isEmpty {
            let listed = failed.keys.sorted().map { "\($0) \(failed[$0] ?? "")" }
            line += "  not monitored: " + listed.joined(separator: "; ")
        }
        if let calls = group.activeCalls { line += "  calls \(calls)" }
        if let events = group.eventsOut { line += "  events \(events)" }
        if let age = group.lastEventAgeSeconds { line += "  last event \(age) s ago" }
        line += "  restarts \(group.restarts ?? 0)"
        if let exit = group.lastExit { line += "  last exit: \(exit)" }
        if let error = group.lastError { line += "  last error: \(error)" }
        return line
    }

    static func line(_ uploader: StatusReport.Uploader) -> String {
        var line = "uploader  \(uploader.state.rawValue)"
        if let pid = uploader.pid { line += "  pid \(pid)" }
        if let sink = uploader.sink { line += "  sink \(sink)" }
        if let spool = uploader.spool {
            line += "  spool: \(spool.pending) pending, \(spool.delivered) delivered, \(spool.dead) dead"
            if spool.skipped != 0 { line += ", \(spool.skipped) skipped" }
            if spool.kept != 0 { line += ", \(spool.kept) kept" }
            if let age = spool.oldestPendingAgeSeconds { line += " (oldest pending \(age) s)" }
        }
        if let since = uploader.crm?.failingSince {
            let every = uploader.crm?.probeIntervalSeconds.map(Self.number) ?? "?"
            line += "  CRM failing since \(since) (one try every \(every) s)"
        }
        if let crm = uploader.lastCRMError { line += "  last CRM error: \(crm)" }
        if let error = uploader.lastError { line += "  last error: \(error)" }
        return line
    }

    /// `2` for 2.0, `2.5` for 2.5.
    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : String(value)
    }
}
