import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import Logging
import ZTICore
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
        let delivery = engine
        let clickToDialPort = clickToDial?.port
        intake.statusDetails = {
            var details = UploaderStatus()
            details.sink = global.sink.rawValue
            if let delivery {
                details.delivery = delivery.counts
                details.lastCRMError = delivery.lastError
                let health = delivery.health
                var crm = UploaderStatus.CRMHealth(state: health.failingSince == nil ? "answering" : "failing")
                if let since = health.failingSince {
                    crm.failingSince = since.description
                    crm.probeIntervalSeconds = Double(health.probeInterval.wholeMilliseconds) / 1000
                }
                details.crm = crm
                // Degraded while the backlog is older than crm.degraded.after: the CRM is not getting the calls.
                if let oldest = try? spool.oldestPending() {
                    let age = EventTime.now().millisecondsSinceEpoch - oldest.millisecondsSinceEpoch
                    if age > global.crmDegradedAfter.wholeMilliseconds {
                        details.degraded =
                            ("the oldest undelivered event waits for \(age / 1000) s (crm.degraded.after \(global.crmDegradedAfter))")
                    }
                }
            }
            details.clickToDial = UploaderStatus.ClickToDial(
                routedGroups: await router.routedGroups,
                listening: clickToDialPort.map { "\(global.clickToDialListen.host):\($0)" })
            return details
        }
        logger.info(activated ? "listening unix (socket from systemd, fd 3)" : "listening unix \(path)")
        _ = try? notifier.send([.ready, .status("spool open, listening on \(path)")])

        // SIGTERM winds the tasks down (listeners close, deliveries in flight are cancelled); every acked event is
        // already committed, so if that takes longer than the grace the process leaves anyway.
        let (stopRequests, requestStop) = AsyncStream<Void>.makeStream()
        let stop = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        stop.setEventHandler {
            _ = try? SystemdNotifier().send(.stopping)
            Logger(label: "ztisup.uploader").info("stopping on SIGTERM")
            requestStop.yield()
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.stopGrace) { _exit(0) }
        }
        stop.resume()

        // Not in the group below: that one ends the uploader when any of its tasks ends, and this one is done once
        // Zoho has answered.
        let integrating = sink?.start.map { start in Task { await start() } }
        defer { integrating?.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let intake = intake
            group.addTask { try await intake.run() }
            if let engine { group.addTask { await engine.run() } }
            if let clickToDial { group.addTask { try await clickToDial.run() } }
            if let interval = Watchdog.pingInterval() {
                group.addTask {
                    // Alive means the spool still answers: a stuck database stops the pings and systemd restarts us.
                    while true {
                        try await Task.sleep(for: interval)
                        if (try? spool.counts()) != nil { _ = try? SystemdNotifier().send(.watchdog) }
                    }
                }
            }
            group.addTask {
                // Delivered rows older than spool.retention go, once an hour.
                while true {
                    let cutoff = EventTime.now().millisecondsSinceEpoch - global.spoolRetention.wholeMilliseconds
                    if let pruned = try? spool.prune(deliveredBefore: EventTime(millisecondsSinceEpoch: cutoff)),
                        pruned > 0
                    {
                        logger.info("pruned \(pruned) delivered events older than spool.retention")
                    }
                    try await Task.sleep(for: .seconds(3600))
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: .seconds(2))
                    do {
                        if try backstop.sweep(spool, logger: logger) > 0 { delivery?.poke() }
                    } catch {
                        logger.error("\((error as? ZTIUploaderError)?.message ?? "\(error)")")
                    }
                }
            }
            group.addTask {
                for await _ in stopRequests { return }
            }
            // The first task to end (the stop request, or a listener that failed) ends the uploader.
            try await group.next()
            group.cancelAll()
        }
    }

    /// How long SIGTERM waits for the tasks to wind down.
    static let stopGrace: Double = 5

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
