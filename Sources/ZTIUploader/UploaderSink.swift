import AsyncHTTPClient
import Logging
import ZTICore

/// The sink `crm.sink` names, wired: where events go, what runs once at start (Zoho's `integrate`), and where
/// failed click-to-dial calls are reported (Zoho's `clicktodialerror`).
public struct UploaderSink: Sendable {
    public let sink: any EventSink
    public let description: String
    /// Runs once at the start (Zoho's `integrate` and the click-to-dial registrations).
    public let start: (@Sendable () async -> Void)?
    public let reportDialFailure: (@Sendable (DialRouter.Pending, DialResult) async -> Void)?
    /// The CRM checked with what the uploader holds, for `check-config --connect` (Zoho's token); nil where the
    /// CLI checks the CRM by itself (the webhook's and Zammad's URLs).
    public var check: (@Sendable () async -> PreflightCheck)?

    /// The secrets the sink cannot work without.
    public static func neededSecrets(_ sink: CRMSink) -> Set<SecretName> {
        switch sink {
        case .zoho: [.crmRefreshToken, .crmClientSecret, .clickToDialSecret]
        case .webhook, .zammad: [.crmWebhookSecret]
        case .none: []
        }
    }

    /// The configured sink; nil for `crm.sink = none`.
    public static func make(_ configuration: Configuration, secrets: SecretStore, spool: Spool, logger: Logger)
        -> UploaderSink?
    {
        let global = configuration.global
        switch global.sink {
        case .webhook:
            guard let url = global.webhookURL, let key = secrets.value(.crmWebhookSecret) else { return nil }
            return UploaderSink(
                sink: WebhookSink(url: url, key: key, client: HTTPClient.shared, batch: global.webhookBatch),
                description: global.webhookBatch > 1
                    ? "the webhook \(url) (up to \(global.webhookBatch) events per request)" : "the webhook \(url)",
                start: nil, reportDialFailure: nil)
        case .zoho:
            guard let clientId = global.zohoClientId, let refreshToken = secrets.value(.crmRefreshToken),
                let clientSecret = secrets.value(.crmClientSecret)
            else { return nil }
            let tokens = ZohoTokenSource(
                accountsURL: global.zohoAccountsURL, clientId: clientId, clientSecret: clientSecret,
                refreshToken: refreshToken,
                limiter: RefreshLimiter(limit: global.zohoRefreshLimit, window: global.zohoRefreshWindow),
                client: HTTPClient.shared, logger: logger)
            let api = PhoneBridgeClient(
                tokens: tokens, client: HTTPClient.shared, scheme: global.zohoAuthScheme, logger: logger)
            let settings = ZohoCallNotify.Settings(
                missed: global.zohoMissed, internalCalls: global.internalCalls, unanswered: global.zohoUnanswered)
            var wired = UploaderSink(
                sink: ZohoSink(api: api, settings: settings, logger: logger),
                description: "Zoho PhoneBridge v3 (accounts \(global.zohoAccountsURL))",
                start: {
                    guard await ZohoIntegration.integrate(api: api, retryMin: global.crmRetryMin, logger: logger),
                        let url = global.clickToDialPublicURL, let secret = secrets.value(.clickToDialSecret)
                    else { return }
                    _ = await ZohoClickToDialRegistration.sync(
                        groups: configuration.groups, url: url, secret: secret, api: api, spool: spool, logger: logger)
                },
                reportDialFailure: { pending, result in
                    await ZohoClickToDialError.report(pending, result, api: api, logger: logger)
                })
            wired.check = { await ZohoPreflight.run(tokens: tokens, api: api) }
            return wired
        case .zammad:
            guard let url = secrets.value(.crmWebhookSecret) else { return nil }
            return UploaderSink(
                sink: ZammadSink(
                    url: url, internalCalls: global.internalCalls, client: HTTPClient.shared, logger: logger),
                description: "Zammad's CTI API (the URL in the crm-webhook-secret)", start: nil,
                reportDialFailure: nil)
        case .none:
            return nil
        }
    }
}
