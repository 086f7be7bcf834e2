import ArgumentParser
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import ZTICore
import ZTIMetrics
import ZTIProcess
import ZTISupervisor
import ZTISystemd

/// `ztisup run`: the supervisor.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the supervisor: one worker per group, and the uploader in all-in-one mode.",
        discussion: """
            What ztisup.service and ztisup@GROUP.service start, and bin/run.sh. With uploader.spawn = true (the \
            default when NOTIFY_SOCKET is unset) the uploader is one more supervised child; otherwise the uploader \
            runs as its own unit and the supervisor connects to uploader.socket. SIGTERM stops the workers, then \
            the uploader.
            """)

    @OptionGroup var conf: ConfOption

    @Option(help: "Run this group only (the per-group unit ztisup@GROUP).")
    var group: String?

    @Option(help: "auto (journal when stderr is the journal), journal or stderr.")
    var logTarget: String = "auto"

    func run() async throws {
        let configuration = try conf.load(onlyGroup: group)
        let global = configuration.global
        _ = ProcessLogging.bootstrap(
            identifier: "ztisup", target: LogTarget(rawValue: logTarget) ?? .auto,
            level: Logger.Level(rawValue: global.logLevel.rawValue) ?? .info)
        let logger = Logger(label: "ztisup.supervisor")
        for warning in configuration.warnings { logger.warning("\(warning.description)") }
        // A per-group supervisor serves /metrics where its group's file says, the umbrella where zti.properties
        // says: the ports of several never collide.
        let metricsListen =
            group == nil ? global.metricsListen : configuration.groups.first { $0.key == group }?.metricsListen
        // Before any metric is made: one made earlier would stay a no-op.
        if metricsListen != nil { MetricsEndpoint.bootstrap() }
        let spawnUploader = global.uploaderSpawn ?? (ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] == nil)
        let confDir = URL(fileURLWithPath: conf.directory).standardizedFileURL.path
        var options = Supervisor.Options(
            configuration: configuration, confDir: confDir, spawnUploader: spawnUploader, onlyGroup: group)
        let metrics = metricsListen.map { _ in SupervisorMetrics() }
        options.metrics = metrics
        let supervisor = Supervisor(
            options: options,
            logger: logger,
            spawner: ProcessChildSpawner(executable: "/proc/self/exe", logTarget: logTarget, confDir: confDir))
        let reaper = ChildReaper { pid, status in Task { await supervisor.reaped(pid: pid, status: status) } }
        logger.info(
            "supervisor started for \(configuration.groups.count) group(s)\(spawnUploader ? ", with the uploader" : "")"
        )
        var metricsTask: Task<Void, Never>?
        if let metricsListen, let metrics {
            do {
                let endpoint = try await MetricsEndpoint.bind(
                    metricsListen, refresh: { await supervisor.refresh(metrics) }, logger: logger)
                metricsTask = Task { try? await endpoint.run() }
            } catch {
                let key = group == nil ? "metrics.listen" : "metrics.listen of group \(group ?? "")"
                logger.critical("\(key) = \(metricsListen): cannot listen there: \(error)")
                throw ExitCode(1)
            }
        }
        defer { metricsTask?.cancel() }
        do {
            let service = SupervisorService(supervisor: supervisor)
            try await ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            ).run()
        } catch let error as ZTISupervisorError where error.code == .groupLocked {
            // Not restarted by systemd (RestartPreventExitStatus=78): the other supervisor keeps the group.
            logger.critical("\(error.message)")
            throw ExitCode(78)
        } catch {
            logger.critical("the supervisor cannot run: \(error)")
            throw ExitCode(1)
        }
        withExtendedLifetime(reaper) {}
        logger.info("supervisor stopped")
    }
}
