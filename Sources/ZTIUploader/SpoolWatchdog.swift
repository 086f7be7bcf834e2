import ServiceLifecycle
import ZTISystemd

/// systemd's watchdog for the uploader: alive means the spool still answers, so a stuck database stops the pings
/// and systemd restarts the uploader. Pings every `interval` (half of `WatchdogSec=`).
public struct SpoolWatchdog: Service, CustomStringConvertible {
    public let description = "watchdog"
    let spool: Spool
    let interval: Duration

    public init(spool: Spool, interval: Duration) {
        self.spool = spool
        self.interval = interval
    }

    public func run() async throws {
        try await UploaderTask.untilGracefulShutdown {
            let notifier = SystemdNotifier()
            while true {
                try await Task.sleep(for: interval)
                if (try? spool.counts()) != nil { _ = try? notifier.send(.watchdog) }
            }
        }
    }
}
