import ZTICore

/// One `ztisup status` report from every supervisor that answered: the umbrella's (`ztisup.service`) and those of
/// the per-group units (`ztisup@G.service`), so the administrator sees every group whichever way it runs.
public enum StatusMerge {
    /// Merges `reports` (the umbrella's first, when it answered). A group reported twice keeps the entry of the
    /// supervisor that runs it, not the one that found it held elsewhere; a group in `configuredGroups` that no
    /// report names is listed as not running. A single report with nothing missing is returned as it is.
    public static func merge(_ reports: [StatusReport], configuredGroups: [String]) -> StatusReport {
        var groups: [String: StatusReport.Group] = [:]
        for report in reports {
            for group in report.groups {
                if groups[group.group] != nil, group.state == .heldElsewhere { continue }
                groups[group.group] = group
            }
        }
        for key in configuredGroups where groups[key] == nil {
            var missing = StatusReport.Group(group: key, state: .notRunning)
            missing.lastError = "no supervisor runs this group (start ztisup.service or ztisup@\(key).service)"
            groups[key] = missing
        }
        let sorted = groups.keys.sorted().compactMap { groups[$0] }
        if reports.count == 1, var only = reports.first {
            guard groups.count != only.groups.count else { return only }
            only.groups = sorted
            return only
        }
        let uploader =
            reports.map(\.uploader).first { $0.state == .connected } ?? reports.first?.uploader
            ?? StatusReport.Uploader(state: .away)
        let supervisors = reports.compactMap(\.supervisor)
        return StatusReport(
            supervisor: supervisors.first, supervisors: supervisors, groups: sorted, uploader: uploader,
            buffer: StatusReport.Buffer(
                queued: reports.map(\.buffer.queued).reduce(0, +), dropped: reports.map(\.buffer.dropped).reduce(0, +),
                capacity: reports.map(\.buffer.capacity).reduce(0, +)))
    }
}
