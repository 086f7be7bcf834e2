import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import ZTICore
import ZTIMetrics
import ZTIProcess
import ZTISystemd
import ZTIUploader

/// `ztisup uploader`: the token holder. Takes events on its socket, commits them to the spool before acking.
struct UploaderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uploader",
        abstract: "Run the uploader: the event socket, the spool and (with a CRM configured) delivery.",
        discussion: """
            Started by ztisup-uploader.service, or by the supervisor in all-in-one mode. It reads the CRM secrets \
            (from $CREDENTIALS_DIRECTORY or the secret.<name>.file files, which must be mode 0600 and owned by its \
            user), opens the spool in <state.dir>/spool/, listens on uploader.socket (default \
            <runtime.dir>/events.sock), and commits every event to the spool before acknowledging it.
            """
    )

    @OptionGroup var conf: ConfOption

    @Option(help: "The event socket path (default: uploader.socket, else <runtime.dir>/events.sock).")
    var socket: String?

    @Option(help: "auto (journal when stderr is the journal), journal or stderr.")
    var logTarget: String = "auto"

    func run() async throws {
        let configuration = try conf.load()
        let global = configuration.global
        let level = Logger.Level(rawValue: global.logLevel.rawValue) ?? .info
        ProcessLogging.bootstrap(
            identifier: "ztisup-uploader", target: LogTarget(rawValue: logTarget) ?? .auto, level: level)
        let logger = Logger(label: "ztisup.uploader")
        // Before any metric is made: one made earlier would stay a no-op.
        if global.uploaderMetricsListen != nil { MetricsEndpoint.bootstrap() }
        let notifier = SystemdNotifier()
        // Spawned by a supervisor (all-in-one mode): leave with it.
        if let parent = ProcessInfo.processInfo.environment["ZTI_SUPERVISOR_PID"].flatMap(Int32.init),
            !ProcessSpawner.dieWithParent(expectedParent: parent)
        {
            logger.critical("uploader: the supervisor (pid \(parent)) that started it is gone")
            throw ExitCode(1)
        }

        let secrets: SecretStore
        do {
            secrets = try SecretStore(
                global: global, needed: UploaderSink.neededSecrets(global.sink),
                credentialsDirectory: ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"])
        } catch {
            logger.critical("\(error.message)")
            _ = try? notifier.send([.status("fatal: \(error.message)")])
            throw ExitCode(78)
        }
        if global.sink == .zammad, let url = secrets.value(.crmWebhookSecret),
            !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(where: \.isWhitespace)
        {
            let message =
                "crm.sink = zammad: the crm-webhook-secret must hold the whole CTI URL, "
                + "https://ZAMMAD-HOST/api/v1/cti/TOKEN (its token is the only authentication)"
            logger.critical("\(message)")
            _ = try? notifier.send([.status("fatal: " + message)])
            throw ExitCode(78)
        }
        // Names where each secret came from (a path), never its value; a test reads the log back to check.
        for (name, source) in secrets.sources.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            logger.info("secret \(name.rawValue) loaded from \(source)")
        }
        let spool: Spool
        do {
            // Without a CRM every call is kept for `ztisup calls`, not left pending for a delivery that never comes.
            spool = try Spool(path: Self.spoolPath(global), delivering: global.sink != .none)
        } catch {
            logger.critical("\(error.message)")
            throw ExitCode(74)
        }
        let path = socket ?? global.uploaderSocket ?? global.runtimeDir + "/events.sock"
        // Socket activation (ztisup-uploader.socket) keeps the socket open across restarts of the uploader.
        let activated = ListenFDs.take() > 0
        var intake =
            activated
            ? try await EventIntake.adopt(descriptor: ListenFDs.first, path: "fd 3", spool: spool, logger: logger)
            : try await EventIntake.bind(path: path, spool: spool, logger: logger)
        intake.peerPolicy = PeerPolicy.resolve(groupName: global.uploaderPeerGroup)
        let windows = Dictionary(configuration.groups.map { ($0.key, $0.pbx.callMaxOpen) }) { first, _ in first }
        intake.openWindow = { windows[$0] ?? .seconds(600) }
        // A group no supervisor runs any more has its open lifecycles closed after call.max.open +
        // pbx.resync.interval (the defaults, 15 minutes, for a group no longer configured).
        let patience = Dictionary(
            configuration.groups.map { ($0.key, $0.pbx.callMaxOpen + $0.pbx.resyncInterval) }
        ) { first, _ in first }
        let backstop = LifecycleBackstop { patience[$0] ?? .seconds(900) }
        intake.backstop = backstop
        logger.info("\(intake.peerPolicy.summary)")
        var engine: DeliveryEngine?
        let router = DialRouter(logger: logger)
        intake.router = router
        let sink = UploaderSink.make(configuration, secrets: secrets, spool: spool, logger: logger)
        if let sink {
            let delivery = DeliveryEngine(
                spool: spool, sink: sink.sink, concurrency: global.crmConcurrency, retryMin: global.crmRetryMin,
                probeMax: global.crmProbeMax, logger: logger)
            intake.onCommit = { delivery.poke() }
            engine = delivery
            if let report = sink.reportDialFailure { await router.setFinalHandler(report) }
            logger.info("spool \(spool.path); delivering to \(sink.description)")
        } else {
            logger.info("spool \(spool.path); crm.sink = none: calls stay in the local spool (ztisup calls)")
        }
        let clickToDial = try await Self.clickToDial(configuration, secrets: secrets, router: router, logger: logger)
        let status = UploaderStatusSource(
            global: global, spool: spool, delivery: engine, router: router,
            clickToDialListening: clickToDial.map { "\(global.clickToDialListen.host):\($0.port)" },
            crmCheck: sink?.check)
        intake.statusDetails = { await status.status(checkCRM: $0) }
        var metricsEndpoint: MetricsEndpoint?
        if let listen = global.uploaderMetricsListen {
            let metrics = UploaderMetrics()
            do {
                metricsEndpoint = try await MetricsEndpoint.bind(
                    listen, refresh: { metrics.refresh(await status.status()) }, logger: logger)
            } catch {
                let message = "uploader.metrics.listen = \(listen): cannot listen there: \(error)"
                logger.critical("\(message)")
                _ = try? notifier.send([.status("fatal: " + message)])
                throw ExitCode(1)
            }
        }
        logger.info(activated ? "listening unix (socket from systemd, fd 3)" : "listening unix \(path)")
        _ = try? notifier.send([.ready, .status("spool open, listening on \(path)")])

        // Any of these ending (a listener that failed) stops the others gracefully; SIGTERM does the same.
        func main(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
        }
        // These end by themselves, which ends nothing.
        func aside(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
            .init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
        }
        let intakeService = intake
        var services = [
            main(UploaderTask("event socket") { try await intakeService.run() }),
            main(SpoolPruner(spool: spool, retention: global.spoolRetention, logger: logger)),
            main(BackstopSweeper(backstop: backstop, spool: spool, delivery: engine, logger: logger)),
        ]
        if let engine { services.append(main(UploaderTask("delivery") { await engine.run() })) }
        if let clickToDial { services.append(main(UploaderTask("click-to-dial") { try await clickToDial.run() })) }
        if let metricsEndpoint { services.append(main(UploaderTask("metrics") { try await metricsEndpoint.run() })) }
        if let interval = Watchdog.pingInterval() {
            services.append(main(SpoolWatchdog(spool: spool, interval: interval)))
        }
        // Zoho's integrate and the click-to-dial registrations: done once Zoho has answered.
        if let start = sink?.start { services.append(aside(UploaderTask("CRM set-up") { await start() })) }
        // Last, so that it is the first to hear of the shutdown (services are shut down in reverse order).
        services.append(aside(StopNotice(logger: logger)))
        // SIGTERM winds the tasks down (listeners close, deliveries in flight are cancelled); every acked event is
        // already committed, so what has not ended after the grace is cancelled.
        var group = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = Self.stopGrace
        try await ServiceGroup(configuration: group).run()
    }

    /// How long SIGTERM waits for the tasks to wind down before they are cancelled.
    static let stopGrace: Duration = .seconds(5)

    /// The click-to-dial listener, when the `clicktodial-secret` that authenticates its requests is there.
    static func clickToDial(
        _ configuration: Configuration, secrets: SecretStore, router: DialRouter, logger: Logger
    ) async throws -> ClickToDialServer? {
        let global = configuration.global
        guard let secret = secrets.value(.clickToDialSecret) else {
            logger.info(
                "click-to-dial endpoint off: no clicktodial-secret (secret.clicktodial-secret.file or LoadCredential=clicktodial-secret)"
            )
            return nil
        }
        let listen = global.clickToDialListen
        var tls: ClickToDialServer.TLS?
        if let cert = global.clickToDialTLSCert, let key = global.clickToDialTLSKey {
            do {
                tls = try ClickToDialServer.TLS(certificateFile: cert, keyFile: key)
            } catch {
                logger.critical("\(error.message)")
                throw ExitCode(78)
            }
        }
        let endpoint = ClickToDialEndpoint(
            groups: configuration.groups, secret: secret, router: router, logger: logger)
        let server: ClickToDialServer
        do {
            server = try await ClickToDialServer.bind(
                host: listen.host, port: listen.port, tls: tls, endpoint: endpoint, logger: logger)
        } catch {
            logger.critical("clicktodial.listen = \(listen): cannot listen: \(error)")
            throw ExitCode(78)
        }
        logger.info("listening \(tls == nil ? "http" : "https") \(HostPort(host: listen.host, port: server.port))")
        return server
    }

    static func spoolPath(_ global: GlobalConfig) -> String {
        global.stateDir + "/spool/spool.sqlite"
    }

}
