/// The global settings of `conf/zti.properties`.
public struct GlobalConfig: Sendable, Codable {
    /// The absolute configuration directory; relative paths resolve against it.
    public let confDir: String
    /// `crm.sink`, default `none`.
    public let sink: CRMSink
    /// `runtime.dir` (default `/run/ztisup`), absolute.
    public let runtimeDir: String
    /// `state.dir` (default `/var/lib/ztisup`), absolute.
    public let stateDir: String
    /// `metrics.listen`: where the umbrella supervisor serves `/metrics` (nil: off, the default).
    public let metricsListen: HostPort?
    /// `uploader.metrics.listen`: where the uploader serves `/metrics` (nil: off, the default).
    public let uploaderMetricsListen: HostPort?
    /// `clicktodial.listen`, the uploader's click-to-dial HTTP listener (default `127.0.0.1:8765`).
    public let clickToDialListen: HostPort
    /// `clicktodial.public.url`: the URL the CRM calls for click-to-dial, if set.
    public let clickToDialPublicURL: String?
    /// `clicktodial.tls.cert` and `clicktodial.tls.key`: PEM files that make the listener speak HTTPS, if set.
    public let clickToDialTLSCert: String?
    public let clickToDialTLSKey: String?
    /// `crm.zoho.client.id`, for the Zoho sink.
    public let zohoClientId: String?
    /// `crm.zoho.accounts.url`: the Zoho accounts server of the org's data centre.
    public let zohoAccountsURL: String
    /// `crm.webhook.url`, for the webhook sink.
    public let webhookURL: String?
    /// `crm.webhook.batch`: the most events per webhook request (default 1: one event per body, no array).
    public let webhookBatch: Int
    /// `crm.zoho.missed`, default `percall`.
    public let zohoMissed: ZohoMissedPolicy
    /// `crm.zoho.auth.scheme`, default `Zoho-oauthtoken`.
    public let zohoAuthScheme: ZohoAuthScheme
    /// `crm.zoho.unanswered`, default `auto`.
    public let zohoUnanswered: ZohoUnansweredPolicy
    /// At most this many access-token refreshes per ``zohoRefreshWindow`` (`crm.zoho.refresh.limit`, 10, Zoho's
    /// own limit per refresh token; creating more blocks the token for the rest of the window).
    public let zohoRefreshLimit: Int
    /// `crm.zoho.refresh.window`, 10m.
    public let zohoRefreshWindow: Duration
    /// `crm.internal`, default `skip`.
    public let internalCalls: InternalCallPolicy
    /// Calls delivered to the CRM at once (`crm.concurrency`, default 8).
    public let crmConcurrency: Int
    /// The CRM failing is one condition: the first probe follows `crm.retry.min` (1s) after a failure, the next
    /// ones double up to `crm.probe.max` (30s); a CRM's `Retry-After` can only lengthen the pause.
    public let crmRetryMin: Duration
    public let crmProbeMax: Duration
    /// `ztisup status` is degraded while the oldest pending event is older than this (`crm.degraded.after`, 60s).
    public let crmDegradedAfter: Duration
    /// Files named by `secret.<name>.file`, absolute; the supervisor never opens them.
    public let secretFiles: [SecretName: String]
    /// Restarts that mark a group failed when exceeded within ``restartPeriod`` (`restart.intensity`, 5).
    public let restartIntensity: Int
    /// The window of ``restartIntensity`` (`restart.period`, 60s).
    public let restartPeriod: Duration
    /// The first delay between two spawns of a group (`restart.backoff.floor`, 1s).
    public let restartBackoffFloor: Duration
    /// The largest delay between two spawns (`restart.backoff.cap`, 60s).
    public let restartBackoffCap: Duration
    /// How long a child has after SIGTERM before SIGKILL (`stop.timeout`, 10s).
    public let stopTimeout: Duration
    /// How long start-up waits for every worker's HELLO before READY=1 (`startup.timeout`, 30s).
    public let startupTimeout: Duration
    /// Events the supervisor queues while the uploader is away (`buffer.max.events`, 100000).
    public let bufferMaxEvents: Int
    /// Unacked events a worker holds (`worker.unacked.max`, 10000).
    public let workerUnackedMax: Int
    /// When a worker resends an unacked event (`ack.timeout`, 5s).
    public let ackTimeout: Duration
    /// How long a supervisor waits for the uploader's `OPEN` before it starts a worker without it (`open.timeout`,
    /// 5s; in all-in-one mode at least until its uploader is up, up to `startup.timeout`).
    public let openTimeout: Duration
    /// `uploader.spawn`, if set; unset means "true unless NOTIFY_SOCKET is set".
    public let uploaderSpawn: Bool?
    /// `uploader.socket`, absolute, if set.
    public let uploaderSocket: String?
    /// Members of this group may send events to the uploader besides root and its own user
    /// (`uploader.peer.group`, `ztisup-ev`: the supervisor units get it through `SupplementaryGroups=`).
    public let uploaderPeerGroup: String
    /// `groups.enabled`, if set: the only groups the umbrella supervisor runs.
    public let groupsEnabled: [String]?
    /// How long delivered events stay in the spool (`spool.retention`, 30d).
    public let spoolRetention: Duration
    /// `log.level`, default `info`.
    public let logLevel: LogLevelName

    /// The file's path, for diagnostics.
    public let file: String

    /// Creates the settings.
    public init(
        confDir: String, sink: CRMSink, runtimeDir: String, stateDir: String, clickToDialListen: HostPort,
        clickToDialPublicURL: String?, zohoClientId: String?, zohoAccountsURL: String, webhookURL: String?,
        zohoMissed: ZohoMissedPolicy, internalCalls: InternalCallPolicy, crmConcurrency: Int, crmRetryMin: Duration,
        crmProbeMax: Duration, crmDegradedAfter: Duration = .seconds(60),
        secretFiles: [SecretName: String], restartIntensity: Int, restartPeriod: Duration,
        restartBackoffFloor: Duration, restartBackoffCap: Duration, stopTimeout: Duration, startupTimeout: Duration,
        bufferMaxEvents: Int, workerUnackedMax: Int, ackTimeout: Duration, uploaderSpawn: Bool?,
        uploaderSocket: String?, uploaderPeerGroup: String = "ztisup-ev", groupsEnabled: [String]?,
        spoolRetention: Duration, logLevel: LogLevelName,
        file: String, zohoUnanswered: ZohoUnansweredPolicy = .auto, zohoRefreshLimit: Int = 10,
        zohoRefreshWindow: Duration = .seconds(600), clickToDialTLSCert: String? = nil,
        clickToDialTLSKey: String? = nil,
        zohoAuthScheme: ZohoAuthScheme = .zohoOAuthToken, openTimeout: Duration = .seconds(5), webhookBatch: Int = 1,
        metricsListen: HostPort? = nil, uploaderMetricsListen: HostPort? = nil
    ) {
        self.metricsListen = metricsListen
        self.uploaderMetricsListen = uploaderMetricsListen
        self.webhookBatch = webhookBatch
        self.openTimeout = openTimeout
        self.zohoAuthScheme = zohoAuthScheme
        self.clickToDialTLSCert = clickToDialTLSCert
        self.clickToDialTLSKey = clickToDialTLSKey
        self.zohoUnanswered = zohoUnanswered
        self.zohoRefreshLimit = zohoRefreshLimit
        self.zohoRefreshWindow = zohoRefreshWindow
        self.confDir = confDir
        self.sink = sink
        self.runtimeDir = runtimeDir
        self.stateDir = stateDir
        self.clickToDialListen = clickToDialListen
        self.clickToDialPublicURL = clickToDialPublicURL
        self.zohoClientId = zohoClientId
        self.zohoAccountsURL = zohoAccountsURL
        self.webhookURL = webhookURL
        self.zohoMissed = zohoMissed
        self.internalCalls = internalCalls
        self.crmConcurrency = crmConcurrency
        self.crmRetryMin = crmRetryMin
        self.crmProbeMax = crmProbeMax
        self.crmDegradedAfter = crmDegradedAfter
        self.secretFiles = secretFiles
        self.restartIntensity = restartIntensity
        self.restartPeriod = restartPeriod
        self.restartBackoffFloor = restartBackoffFloor
        self.restartBackoffCap = restartBackoffCap
        self.stopTimeout = stopTimeout
        self.startupTimeout = startupTimeout
        self.bufferMaxEvents = bufferMaxEvents
        self.workerUnackedMax = workerUnackedMax
        self.ackTimeout = ackTimeout
        self.uploaderSpawn = uploaderSpawn
        self.uploaderSocket = uploaderSocket
        self.uploaderPeerGroup = uploaderPeerGroup
        self.groupsEnabled = groupsEnabled
        self.spoolRetention = spoolRetention
        self.logLevel = logLevel
        self.file = file
    }
}
