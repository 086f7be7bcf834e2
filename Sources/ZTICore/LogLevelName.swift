/// A log level as written in `log.level` (the swift-log levels, without depending on swift-log here).
public enum LogLevelName: String, Sendable, Codable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical
}
