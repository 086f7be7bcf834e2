import Glibc
import Logging

/// A swift-log handler for processes not under journald: one plain line per entry on stderr,
/// `time level identifier[pid]: message key=value …`. Continuation lines of a multi-line message are indented,
/// so a message cannot pass for another entry.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// The name shown before the pid.
    public let identifier: String

    /// Creates a handler.
    public init(identifier: String, logLevel: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        self.identifier = identifier
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = format(event, time: Self.now()) + "\n"
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// The line for `event` at `time`, without the newline.
    public func format(_ event: LogEvent, time: String) -> String {
        let merged = event.mergedMetadata(handler: metadata, provider: metadataProvider)
        var line = "\(time) \(event.level) \(identifier)[\(getpid())]: "
        line += event.message.description.replacingNewlines(with: "\n    ")
        for key in merged.keys.sorted() {
            line += " \(key)=\(merged[key]!.description.replacingNewlines(with: "\\n"))"
        }
        if let error = event.error { line += " error=\(String(describing: error).replacingNewlines(with: "\\n"))" }
        return line
    }

    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = spec.tv_nsec / 1_000_000
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }
}

extension String {
    fileprivate func replacingNewlines(with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == "\n" || character == "\r" || character == "\r\n" {
                out += replacement
            } else {
                out.append(character)
            }
        }
        return out
    }
}
