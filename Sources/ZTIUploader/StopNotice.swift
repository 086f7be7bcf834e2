import Logging
import ServiceLifecycle
import ZTISystemd

/// Says STOPPING=1 to systemd, and logs it, as the uploader's graceful shutdown starts.
public struct StopNotice: Service, CustomStringConvertible {
    public let description = "stop notice"
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func run() async throws {
        try await gracefulShutdown()
        _ = try? SystemdNotifier().send(.stopping)
        logger.info("stopping on SIGTERM")
    }
}
