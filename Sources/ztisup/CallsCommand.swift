import ArgumentParser
import Foundation
import ZTICore
import ZTIUploader

/// `ztisup calls`: the calls recorded in the spool, read-only (it works while the uploader runs).
struct CallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "List the calls recorded in the spool (read-only; works while the uploader runs).")

    @OptionGroup var conf: ConfOption

    @Option(help: "Only calls with an event since this time: a duration ago (30m, 2h, 7d) or yyyy-MM-ddTHH:mm:ss.SSSZ.")
    var since: String?

    @Flag(help: "Print JSON: one object per call with its events.")
    var json = false

    @Flag(help: "Only the dead letters: events the CRM refused for good.")
    var dead = false

    func validate() throws {
        if let since, Self.time(since) == nil {
            throw ValidationError(
                "--since \(since): expected a duration such as 30m, 2h or 7d, or yyyy-MM-ddTHH:mm:ss.SSSZ")
        }
    }

    static func time(_ text: String) -> EventTime? {
        if let time = EventTime(text) { return time }
        guard let duration = ConfigValueParser.duration(text) else { return nil }
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return EventTime(millisecondsSinceEpoch: EventTime.now().millisecondsSinceEpoch - milliseconds)
    }

    func run() throws {
        let global = try conf.loadGlobal()
        let path = UploaderCommand.spoolPath(global)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("no spool at \(path) yet: the uploader has not run with this configuration")
            throw ExitCode(1)
        }
        let rows: [Spool.Row]
        do {
            rows = try Spool(path: path, readOnly: true).rows(since: since.flatMap(Self.time), deadOnly: dead)
        } catch {
            printError("error: " + error.message)
            throw ExitCode(74)
        }
        var order: [String] = []
        var byCall: [String: [Spool.Row]] = [:]
        for row in rows {
            let key = "\(row.event.group)/\(row.event.callId)"
            if byCall[key] == nil { order.append(key) }
            byCall[key, default: []].append(row)
        }
        if json {
            let calls: [JSONValue] = order.map { key in
                let rows = byCall[key]!
                let events = rows.compactMap { row -> JSONValue? in
                    guard
                        case .object(var fields) =
                            (try? CanonicalJSON.decode(JSONValue.self, from: Array(row.event.canonicalJSON().utf8)))
                            ?? .null
                    else {
                        return nil
                    }
                    fields["spoolState"] = .string(row.state.rawValue)
                    if let error = row.lastError { fields["lastError"] = .string(error) }
                    return .object(fields)
                }
                return .object([
                    "group": .string(rows[0].event.group), "callId": .string(rows[0].event.callId),
                    "events": .array(events),
                ])
            }
            print(CanonicalJSON.string(JSONValue.array(calls)))
            return
        }
        for key in order {
            print(Self.summary(byCall[key]!))
        }
        if order.isEmpty { printError(dead ? "no dead letters" : "no calls") }
    }

    /// `time  group  callId  direction  from → to  ext:state(cause) …  [n pending, n dead]`
    static func summary(_ rows: [Spool.Row]) -> String {
        let first = rows[0].event
        var members: [String] = []
        var last: [String: CallEvent] = [:]
        for row in rows {
            if last[row.event.extension] == nil { members.append(row.event.extension) }
            last[row.event.extension] = row.event
        }
        let outcome = members.map { ext -> String in
            let event = last[ext]!
            var text = "\(ext):\(event.state.rawValue)"
            if let cause = event.cause, cause != .normal { text += "(\(cause.rawValue))" }
            if let talk = event.talkSeconds { text += " \(talk)s" }
            return text
        }
        let pending = rows.filter { $0.state == .pending }.count
        let dead = rows.filter { $0.state == .dead }.count
        var line =
            "\(first.at)  \(first.group)  \(first.callId)  \(first.direction.rawValue)  "
            + "\(first.from ?? "?") → \(first.to ?? "?")  " + outcome.joined(separator: ", ")
        if pending > 0 || dead > 0 { line += "  [\(pending) pending, \(dead) dead]" }
        return line
    }
}
