import ServiceLifecycle
import UnixSignals

/// `ztisup run` as a service (swift-service-lifecycle): the supervisor runs until the group's graceful shutdown
/// (SIGTERM, SIGINT), which starts its stop ladder, and reloads on SIGHUP.
public struct SupervisorService: Service {
    let supervisor: Supervisor

    public init(supervisor: Supervisor) {
        self.supervisor = supervisor
    }

    public func run() async throws {
        let (stop, requestStop) = AsyncStream<Void>.makeStream()
        let (reload, requestReload) = AsyncStream<Void>.makeStream()
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let reloads = Task {
            for await _ in hangups { requestReload.yield() }
        }
        defer { reloads.cancel() }
        try await withGracefulShutdownHandler {
            try await supervisor.run(stop: stop, reload: reload)
        } onGracefulShutdown: {
            requestStop.yield()
        }
    }
}
