import ArgumentParser
import Logging
import ZTISystemd

/// `ztisup log-probe`: writes one log entry through ztisup's own log handler, to check where logs go
/// (journald fields, priority) without starting the daemon.
struct LogProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-probe",
        abstract: "Write one log entry through ztisup's log handler (journald or stderr).",
        shouldDisplay: false
    )

    @Option(help: "SYSLOG_IDENTIFIER of the entry.")
    var identifier: String = "ztisup"

    @Option(help: "Level: trace, debug, info, notice, warning, error or critical.")
    var level: String = "info"

    @Option(name: .customLong("field"), help: "Metadata as KEY=VALUE (becomes ZTI_KEY in the journal); repeatable.")
    var fields: [String] = []

    @Option(help: "auto (journal when stderr is the journal), journal or stderr.")
    var logTarget: String = "auto"

    @Argument(help: "The message; \\n in it becomes a line break.")
    var message: String

    func validate() throws {
        guard Logger.Level(rawValue: level) != nil else {
            throw ValidationError("--level \(level): expected trace, debug, info, notice, warning, error or critical")
        }
        guard LogTarget(rawValue: logTarget) != nil else {
            throw ValidationError("--log-target \(logTarget): expected auto, journal or stderr")
        }
        for field in fields where !field.contains("=") || field.hasPrefix("=") {
            throw ValidationError("--field \(field): expected KEY=VALUE")
        }
    }

    func run() throws {
        let logLevel = Logger.Level(rawValue: level)!
        ProcessLogging.bootstrap(identifier: identifier, target: LogTarget(rawValue: logTarget)!, level: .trace)
        var metadata: Logger.Metadata = [:]
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            metadata[String(parts[0])] = .string(parts.count > 1 ? String(parts[1]).unescapingNewlines() : "")
        }
        Logger(label: "ztisup.log-probe").log(level: logLevel, "\(message.unescapingNewlines())", metadata: metadata)
    }
}

extension String {
    fileprivate func unescapingNewlines() -> String {
        var out = ""
        var iterator = makeIterator()
        while let character = iterator.next() {
            guard character == "\\" else {
                out.append(character)
                continue
            }
            switch iterator.next() {
            case "n": out.append("\n")
            case "\\": out.append("\\")
            case let other?: out += "\\" + String(other)
            case nil: out.append("\\")
            }
        }
        return out
    }
}
