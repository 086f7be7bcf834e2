import Logging
import ServiceLifecycle

/// Runs the ``LifecycleBackstop`` every 2 s: the open lifecycles of a group no supervisor runs any more are closed
/// once its patience is over, and delivery is woken for their closings.
public struct BackstopSweeper: Service, CustomStringConvertible {
    public let description = "lifecycle backstop"
    let backstop: LifecycleBackstop
    let spool: Spool
    let delivery: DeliveryEngine?
    let logger: Logger

    public init(backstop: LifecycleBackstop, spool: Spool, delivery: DeliveryEngine?, logger: Logger) {
        self.backstop = backstop
        self.spool = spool
        self.delivery = delivery
        self.logger = logger
    }

    public func run() async throws {
        try await UploaderTask.untilGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(2))
                do {
                    if try backstop.sweep(spool, logger: logger) > 0 { delivery?.poke() }
                } catch {
                    logger.error("\((error as? ZTIUploaderError)?.message ?? "\(error)")")
                }
            }
        }
    }
}
