import Glibc
import Logging

/// Installs the process-wide swift-log backend once, at start-up.
public enum ProcessLogging {
    /// Bootstraps swift-log with the journal or stderr handler for `identifier`.
    ///
    /// - Returns: the target actually used (``LogTarget/auto`` resolved).
    @discardableResult
    public static func bootstrap(identifier: String, target: LogTarget, level: Logger.Level) -> LogTarget {
        let environment = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        let resolved = target.resolved(journalStream: environment)
        LoggingSystem.bootstrap { _ in
            switch resolved {
            case .journal: JournalLogHandler(identifier: identifier, logLevel: level)
            case .auto, .stderr: StderrLogHandler(identifier: identifier, logLevel: level)
            }
        }
        return resolved
    }
}
