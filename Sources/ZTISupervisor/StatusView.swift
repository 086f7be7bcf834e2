import ZTICore

/// `ztisup status` for people: one line per group, the uploader and the buffer; and whether all is up.
public struct StatusView: Sendable {
    public let report: JSONValue

    public init(_ report: JSONValue) {
        self.report = report
    }

    static func field(_ value: JSONValue?, _ path: String...) -> JSONValue? {
        var current = value
        for key in path {
            guard case .object(let object)? = current else { return nil }
            current = object[key]
        }
        return current
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .number(let number)?: number.rounded() == number ? String(Int(number)) : String(number)
        case .bool(let flag)?: String(flag)
        default: nil
        }
    }

    var groups: [JSONValue] {
        if case .array(let groups)? = Self.field(report, "groups") { return groups }
        return []
    }

    /// Every group connected, the uploader connected, of this release's protocol, and the CRM getting the calls.
    public var allUp: Bool {
        groups.allSatisfy { Self.text(Self.field($0, "state")) == "connected" }
            && Self.text(Self.field(report, "uploader", "state")) == "connected"
            && Self.field(report, "uploader", "degraded") == nil
            && Self.field(report, "uploader", "protocolMismatch") == nil
    }

    public var text: String {
        var lines: [String] = []
        let summary = Self.text(Self.field(report, "supervisor", "summary")) ?? ""
        let pid = Self.text(Self.field(report, "supervisor", "pid")) ?? "?"
        let uptime = Self.text(Self.field(report, "supervisor", "uptimeSeconds")) ?? "0"
        if case .array(let supervisors)? = Self.field(report, "supervisors"), supervisors.count > 1 {
            lines.append("ztisup: \(supervisors.count) supervisors")
            for supervisor in supervisors {
                let scope = Self.text(Self.field(supervisor, "group")).map { "group \($0)" } ?? "umbrella"
                lines.append(
                    "  \(scope): \(Self.text(Self.field(supervisor, "summary")) ?? "") (pid "
                        + "\(Self.text(Self.field(supervisor, "pid")) ?? "?"), up "
                        + "\(Self.text(Self.field(supervisor, "uptimeSeconds")) ?? "0") s)")
            }
        } else {
            lines.append("ztisup: \(summary) (supervisor pid \(pid), up \(uptime) s)")
        }
        for group in groups {
            func value(_ path: String...) -> String? {
                var current: JSONValue? = group
                for key in path { current = Self.field(current, key) }
                return Self.text(current)
            }
            let pbx = value("pbx", "type").map {
                "  \($0) \(value("pbx", "host") ?? "?"):\(value("pbx", "port") ?? "?")"
            }
            var line = "\(value("group") ?? "?")\(pbx ?? "")  \(value("state") ?? "?")"
            if let pid = value("pid") { line += "  pid \(pid)" }
            if let up = value("uptimeSeconds") { line += "  up \(up) s" }
            if let family = value("family") {
                line += "  family \(family)" + (value("version").map { " (\($0))" } ?? "")
                switch value("familySource") {
                case "events": line += " (inferred from events)"
                case "assumed": line += " (assumed: nothing told it)"
                default: break
                }
            }
            if case .array(let monitored)? = Self.field(group, "monitored") { line += "  monitored \(monitored.count)" }
            if case .object(let failed)? = Self.field(group, "failedExtensions"), !failed.isEmpty {
                let listed = failed.keys.sorted().map { "\($0) \(Self.text(failed[$0]) ?? "")" }
                line += "  not monitored: " + listed.joined(separator: "; ")
            }
            if let calls = value("activeCalls") { line += "  calls \(calls)" }
            if let events = value("eventsOut") { line += "  events \(events)" }
            if let age = value("lastEventAgeSeconds") { line += "  last event \(age) s ago" }
            line += "  restarts \(value("restarts") ?? "0")"
            if let exit = value("lastExit") { line += "  last exit: \(exit)" }
            if let error = value("lastError") { line += "  last error: \(error)" }
            lines.append(line)
        }
        let uploader = Self.field(report, "uploader")
        var line = "uploader  \(Self.text(Self.field(uploader, "state")) ?? "?")"
        if let pid = Self.text(Self.field(uploader, "pid")) { line += "  pid \(pid)" }
        if let sink = Self.text(Self.field(uploader, "sink")) { line += "  sink \(sink)" }
        if let pending = Self.text(Self.field(uploader, "spool", "pending")) {
            let delivered = Self.text(Self.field(uploader, "spool", "delivered")) ?? "0"
            let dead = Self.text(Self.field(uploader, "spool", "dead")) ?? "0"
            line += "  spool: \(pending) pending, \(delivered) delivered, \(dead) dead"
            if let skipped = Self.text(Self.field(uploader, "spool", "skipped")), skipped != "0" {
                line += ", \(skipped) skipped"
            }
            if let kept = Self.text(Self.field(uploader, "spool", "kept")), kept != "0" { line += ", \(kept) kept" }
            if let age = Self.text(Self.field(uploader, "spool", "oldestPendingAgeSeconds")) {
                line += " (oldest pending \(age) s)"
            }
        }
        if let since = Self.text(Self.field(uploader, "crm", "failingSince")) {
            let every = Self.text(Self.field(uploader, "crm", "probeIntervalSeconds")) ?? "?"
            line += "  CRM failing since \(since) (one try every \(every) s)"
        }
        if let crm = Self.text(Self.field(uploader, "lastCRMError")) { line += "  last CRM error: \(crm)" }
        if let error = Self.text(Self.field(uploader, "lastError")) { line += "  last error: \(error)" }
        lines.append(line)
        if let degraded = Self.text(Self.field(uploader, "degraded")) { lines.append("degraded: \(degraded)") }
        if let mismatch = Self.text(Self.field(uploader, "protocolMismatch")) { lines.append("degraded: \(mismatch)") }
        let queued = Self.text(Self.field(report, "buffer", "queued")) ?? "0"
        let dropped = Self.text(Self.field(report, "buffer", "dropped")) ?? "0"
        lines.append("buffer    \(queued) queued, \(dropped) dropped")
        return lines.joined(separator: "\n") + "\n"
    }
}
