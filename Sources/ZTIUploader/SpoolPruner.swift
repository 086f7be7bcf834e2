import Logging
import ServiceLifecycle
import ZTICore

/// Removes delivered and skipped rows older than `spool.retention`, once at the start and then every hour.
public struct SpoolPruner: Service, CustomStringConvertible {
    public let description = "spool pruner"
    let spool: Spool
    let retention: Duration
    let logger: Logger

    public init(spool: Spool, retention: Duration, logger: Logger) {
        self.spool = spool
        self.retention = retention
        self.logger = logger
    }

    public func run() async throws {
        try await UploaderTask.untilGracefulShutdown {
            while true {
                let cutoff = EventTime.now().millisecondsSinceEpoch - retention.wholeMilliseconds
                if let pruned = try? spool.prune(deliveredBefore: EventTime(millisecondsSinceEpoch: cutoff)), pruned > 0
                {
                    logger.info("pruned \(pruned) delivered events older than spool.retention")
                }
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
