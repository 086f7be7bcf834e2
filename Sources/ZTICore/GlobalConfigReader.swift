/// Validates `zti.properties` into a ``GlobalConfig``, collecting every problem.
enum GlobalConfigReader {
    static let knownKeys =
        [
            "crm.sink", "runtime.dir", "state.dir", "clicktodial.listen", "clicktodial.public.url",
            "clicktodial.tls.cert", "clicktodial.tls.key",
            "crm.zoho.client.id", "crm.zoho.accounts.url", "crm.zoho.missed", "crm.zoho.unanswered",
            "crm.zoho.auth.scheme",
            "crm.zoho.refresh.limit", "crm.zoho.refresh.window", "crm.internal", "crm.concurrency",
            "crm.retry.min", "crm.retry.max", "crm.probe.max", "crm.degraded.after",
            "crm.webhook.url", "crm.webhook.batch", "restart.intensity", "restart.period",
            "restart.backoff.floor", "restart.backoff.cap", "stop.timeout", "startup.timeout", "buffer.max.events",
            "worker.unacked.max", "ack.timeout", "open.timeout", "uploader.spawn", "uploader.socket",
            "uploader.peer.group", "metrics.listen", "uploader.metrics.listen",
            "groups.enabled",
            "spool.retention", "log.level",
        ] + SecretName.allCases.map(\.fileKey)

    static let secretWords: Set<String> = [
        "password", "passwd", "secret", "token", "authtoken", "apikey", "refreshtoken", "clientsecret",
    ]

    static let authtokenMessage =
        "authtoken is the old ZTI adapter's Zoho token and is refused: Zoho PhoneBridge v3 authorizes with OAuth. "
        + "Run `ztisup crm authorize` to exchange a grant code for a refresh token file, name that file with "
        + "secret.crm-refresh-token.file (or give it to ztisup-uploader.service with LoadCredential=crm-refresh-token), "
        + "then delete authtoken from zti.properties"

    static func read(_ file: PropertiesFile, confDir: String) -> (GlobalConfig?, [ConfigDiagnostic]) {
        var reader = PropertyReader(file)
        refuseInlineSecrets(&reader)

        // A file that configures a CRM but names none would silently deliver nothing: crm.sink is required then.
        let configuresCRM = file.entries.contains { $0.key.hasPrefix("crm.") && $0.key != "crm.sink" }
        if configuresCRM && file["crm.sink"] == nil {
            reader.missing(
                "crm.sink",
                expected: "the CRM to deliver to (zoho, webhook, zammad or none), since the file sets other crm.* keys")
        }
        let sink: CRMSink = reader.choice("crm.sink", default: CRMSink.none) ?? .none
        let runtimeDir = reader.path("runtime.dir", default: "/run/ztisup", relativeTo: confDir) ?? "/run/ztisup"
        let stateDir = reader.path("state.dir", default: "/var/lib/ztisup", relativeTo: confDir) ?? "/var/lib/ztisup"
        let defaultListen = HostPort(host: "127.0.0.1", port: 8765)
        let listen =
            reader.typed(
                "clicktodial.listen", default: defaultListen,
                expected: "HOST:PORT, e.g. 127.0.0.1:8765 (port 0 picks one)",
                ConfigValueParser.hostPort) ?? defaultListen
        let metricsExpected = "PORT (on 127.0.0.1) or HOST:PORT, e.g. 9464 or 127.0.0.1:9464 (port 0 picks one)"
        let metricsListen = reader.typed(
            "metrics.listen", default: nil, expected: metricsExpected, ConfigValueParser.listenAddress)
        let uploaderMetricsListen = reader.typed(
            "uploader.metrics.listen", default: nil, expected: metricsExpected, ConfigValueParser.listenAddress)
        let publicURL = reader.typed(
            "clicktodial.public.url", default: nil, required: sink == .zoho,
            expected: "the https:// URL at which the CRM reaches the click-to-dial endpoint", httpURL)
        let tlsCert = reader.existingFile(
            "clicktodial.tls.cert", confDir: confDir, what: "a PEM certificate (chain) for the click-to-dial listener")
        let tlsKey = reader.existingFile(
            "clicktodial.tls.key", confDir: confDir, what: "the PEM private key of clicktodial.tls.cert")
        if (reader.file["clicktodial.tls.cert"] == nil) != (reader.file["clicktodial.tls.key"] == nil),
            let entry = reader.file["clicktodial.tls.cert"] ?? reader.file["clicktodial.tls.key"]
        {
            reader.error(entry, "HTTPS needs both clicktodial.tls.cert and clicktodial.tls.key")
        }
        let zohoClientId = reader.string(
            "crm.zoho.client.id", required: sink == .zoho, expected: "the Zoho API console client id")
        let zohoAccounts =
            reader.typed(
                "crm.zoho.accounts.url", default: "https://accounts.zoho.com",
                expected: "the accounts server of your Zoho data centre, e.g. https://accounts.zoho.eu", httpURL)
            ?? "https://accounts.zoho.com"
        let webhookURL = reader.typed(
            "crm.webhook.url", default: nil, required: sink == .webhook,
            expected: "the http:// or https:// URL that receives the events", httpURL)

        let webhookBatch = reader.integer("crm.webhook.batch", default: 1, range: 1...1000)
        let zohoMissed: ZohoMissedPolicy = reader.choice("crm.zoho.missed", default: .percall) ?? .percall
        let zohoUnanswered: ZohoUnansweredPolicy = reader.choice("crm.zoho.unanswered", default: .auto) ?? .auto
        let authScheme: ZohoAuthScheme =
            reader.choice("crm.zoho.auth.scheme", default: .zohoOAuthToken) ?? .zohoOAuthToken
        let refreshLimit = reader.integer("crm.zoho.refresh.limit", default: 10, range: 1...10)
        let refreshWindow = reader.duration("crm.zoho.refresh.window", default: .seconds(600), minimum: .seconds(1))
        let internalCalls: InternalCallPolicy = reader.choice("crm.internal", default: .skip) ?? .skip
        let concurrency = reader.integer("crm.concurrency", default: 8, range: 1...256)
        let retryMin = reader.duration("crm.retry.min", default: .seconds(1), minimum: .milliseconds(10))
        var probeMax = reader.duration("crm.probe.max", default: .seconds(30), minimum: .milliseconds(10))
        if let old = reader.file["crm.retry.max"] {
            // The previous release's per-event cap; the CRM is now probed as a whole.
            let oldMax = reader.duration("crm.retry.max", default: .seconds(30), minimum: .milliseconds(10))
            if reader.file["crm.probe.max"] == nil { probeMax = oldMax }
            reader.warning(
                old,
                "crm.retry.max is replaced by crm.probe.max (the CRM is probed as a whole, not each event); rename it")
        }
        let degradedAfter = reader.duration("crm.degraded.after", default: .seconds(60), minimum: .seconds(1))

        var secretFiles: [SecretName: String] = [:]
        for name in SecretName.allCases {
            if let path = reader.path(name.fileKey, default: nil, relativeTo: confDir) { secretFiles[name] = path }
        }

        let intensity = reader.integer("restart.intensity", default: 5, range: 1...1000)
        let period = reader.duration("restart.period", default: .seconds(60), minimum: .seconds(1))
        let floor = reader.duration("restart.backoff.floor", default: .seconds(1), minimum: .milliseconds(100))
        let cap = reader.duration("restart.backoff.cap", default: .seconds(60), minimum: .milliseconds(100))
        if cap < floor, let entry = reader.file["restart.backoff.cap"] {
            reader.error(entry, "expected at least restart.backoff.floor (\(PropertyReader.format(floor)))")
        }
        let stopTimeout = reader.duration("stop.timeout", default: .seconds(10), minimum: .milliseconds(100))
        let startupTimeout = reader.duration("startup.timeout", default: .seconds(30), minimum: .milliseconds(100))
        let bufferMax = reader.integer("buffer.max.events", default: 100_000, range: 1...100_000_000)
        let unackedMax = reader.integer("worker.unacked.max", default: 10_000, range: 1...10_000_000)
        let ackTimeout = reader.duration("ack.timeout", default: .seconds(5), minimum: .milliseconds(100))
        let openTimeout = reader.duration("open.timeout", default: .seconds(5), minimum: .milliseconds(100))
        let spawn = reader.typed("uploader.spawn", default: nil, expected: "true or false", ConfigValueParser.bool)
        let uploaderSocket = reader.path("uploader.socket", default: nil, relativeTo: confDir)
        let peerGroup =
            reader.typed(
                "uploader.peer.group", default: "ztisup-ev", expected: "a Unix group name such as ztisup-ev",
                ConfigValueParser.unixGroupName) ?? "ztisup-ev"
        let groupsEnabled = reader.string("groups.enabled", expected: "a comma-separated list of group keys").map(
            ConfigValueParser.list)
        let retention = reader.duration("spool.retention", default: .seconds(30 * 86_400), minimum: .seconds(60))
        let logLevel: LogLevelName = reader.choice("log.level", default: .info) ?? .info

        reader.reportUnknownKeys(known: knownKeys) { key in
            key.hasPrefix("secret.")
                ? "unknown secret key, ignored; the secret files are "
                    + SecretName.allCases.map(\.fileKey).joined(separator: ", ") : nil
        }
        guard !reader.diagnostics.contains(where: { $0.severity == .error }) else { return (nil, reader.diagnostics) }
        let global = GlobalConfig(
            confDir: confDir, sink: sink, runtimeDir: runtimeDir, stateDir: stateDir, clickToDialListen: listen,
            clickToDialPublicURL: publicURL, zohoClientId: zohoClientId, zohoAccountsURL: zohoAccounts,
            webhookURL: webhookURL, zohoMissed: zohoMissed, internalCalls: internalCalls,
            crmConcurrency: concurrency, crmRetryMin: retryMin, crmProbeMax: max(retryMin, probeMax),
            crmDegradedAfter: degradedAfter,
            secretFiles: secretFiles, restartIntensity: intensity, restartPeriod: period,
            restartBackoffFloor: floor, restartBackoffCap: cap, stopTimeout: stopTimeout,
            startupTimeout: startupTimeout, bufferMaxEvents: bufferMax, workerUnackedMax: unackedMax,
            ackTimeout: ackTimeout, uploaderSpawn: spawn, uploaderSocket: uploaderSocket, uploaderPeerGroup: peerGroup,
            groupsEnabled: groupsEnabled, spoolRetention: retention, logLevel: logLevel, file: file.path,
            zohoUnanswered: zohoUnanswered, zohoRefreshLimit: refreshLimit, zohoRefreshWindow: refreshWindow,
            clickToDialTLSCert: tlsCert, clickToDialTLSKey: tlsKey, zohoAuthScheme: authScheme,
            openTimeout: openTimeout, webhookBatch: webhookBatch, metricsListen: metricsListen,
            uploaderMetricsListen: uploaderMetricsListen)
        return (global, reader.diagnostics)
    }

    /// Secrets are files, never values: `authtoken` gets the migration message, any other key that holds a
    /// secret gets the rule. The value is never echoed.
    private static func refuseInlineSecrets(_ reader: inout PropertyReader) {
        for entry in reader.file.entries {
            let lastWord = entry.key.split(separator: ".").last.map { $0.lowercased() } ?? ""
            let normalized = lastWord.filter { $0.isLetter }
            guard entry.key != "authtoken" else {
                _ = reader.entry(entry.key)
                reader.add(
                    ConfigDiagnostic(
                        .error, file: reader.path, line: entry.line, key: entry.key, value: nil,
                        message: authtokenMessage))
                continue
            }
            guard secretWords.contains(normalized) || secretWords.contains(entry.key.lowercased()) else { continue }
            _ = reader.entry(entry.key)
            reader.add(
                ConfigDiagnostic(
                    .error, file: reader.path, line: entry.line, key: entry.key, value: nil,
                    message:
                        "a secret is never a value in zti.properties: write it to a file of mode 0600 and name the "
                        + "file with secret.<name>.file, where <name> is "
                        + SecretName.allCases.map(\.rawValue).joined(separator: ", ")))
        }
    }

    private static func httpURL(_ text: String) -> String? {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"),
            !text.contains(where: { $0 == " " || $0 == "\t" }), !ConfigValueParser.containsControlCharacter(text)
        else { return nil }
        let rest = text.drop(while: { $0 != "/" }).dropFirst(2)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        return authority.isEmpty ? nil : text
    }
}
