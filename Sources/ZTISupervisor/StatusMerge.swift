import ZTICore

/// One `ztisup status` report from every supervisor that answered: the umbrella's (`ztisup.service`) and those of
/// the per-group units (`ztisup@G.service`), so the administrator sees every group whichever way it runs.
public enum StatusMerge {
    /// The state of a configured group that no supervisor reports.
    public static let notRunning = "not-running"

    /// Merges `reports` (the umbrella's first, when it answered). A group reported twice keeps the entry of the
    /// supervisor that runs it, not the one that found it held elsewhere; a group in `configuredGroups` that no
    /// report names is listed as not running. A single report with nothing missing is returned as it is.
    public static func merge(_ reports: [JSONValue], configuredGroups: [String]) -> JSONValue {
        var groups: [String: JSONValue] = [:]
        for report in reports {
            for group in array(StatusView.field(report, "groups")) {
                guard let key = StatusView.text(StatusView.field(group, "group")) else { continue }
                if let kept = groups[key], StatusView.text(StatusView.field(group, "state")) == "held-elsewhere",
                    StatusView.text(StatusView.field(kept, "state")) != nil
                {
                    continue
                }
                groups[key] = group
            }
        }
        for key in configuredGroups where groups[key] == nil {
            groups[key] = .object([
                "group": .string(key), "state": .string(notRunning),
                "lastError": .string("no supervisor runs this group (start ztisup.service or ztisup@\(key).service)"),
            ])
        }
        if reports.count == 1, case .object(var only) = reports[0] {
            guard groups.count != array(only["groups"]).count else { return reports[0] }
            only["groups"] = .array(groups.keys.sorted().compactMap { groups[$0] })
            return .object(only)
        }
        let uploader =
            reports.map { StatusView.field($0, "uploader") }.first {
                StatusView.text(StatusView.field($0, "state")) == "connected"
            } ?? reports.first.flatMap { StatusView.field($0, "uploader") }
        func total(_ key: String) -> JSONValue {
            .number(
                reports.compactMap { report -> Double? in
                    if case .number(let value)? = StatusView.field(report, "buffer", key) { return value }
                    return nil
                }.reduce(0, +))
        }
        let supervisors = reports.compactMap { StatusView.field($0, "supervisor") }
        var merged: [String: JSONValue] = [
            "groups": .array(groups.keys.sorted().compactMap { groups[$0] }),
            "buffer": .object(["queued": total("queued"), "dropped": total("dropped"), "capacity": total("capacity")]),
            "supervisors": .array(supervisors),
        ]
        merged["supervisor"] = supervisors.first
        merged["uploader"] = uploader ?? .object(["state": .string("away")])
        return .object(merged)
    }

    private static func array(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let items)? = value { return items }
        return []
    }
}
