import Logging
import ServiceLifecycle
import Synchronization

/// `ztisup worker` as a service (swift-service-lifecycle): the worker runs over its link on `descriptor` until
/// the link ends or the group's graceful shutdown (SIGTERM); ``exit`` says how it ended.
public final class WorkerService: Service {
    let descriptor: Int32
    let logger: Logger
    private let ended = Mutex(WorkerRuntime.Exit.done)

    public init(descriptor: Int32, logger: Logger) {
        self.descriptor = descriptor
        self.logger = logger
    }

    /// How the worker ended (its process's exit status).
    public var exit: WorkerRuntime.Exit { ended.withLock { $0 } }

    public func run() async throws {
        let (stop, requestStop) = AsyncStream<Void>.makeStream()
        let exit = await withGracefulShutdownHandler {
            await WorkerRuntime.run(descriptor: descriptor, logger: logger, stop: stop)
        } onGracefulShutdown: {
            requestStop.yield()
        }
        ended.withLock { $0 = exit }
    }
}
