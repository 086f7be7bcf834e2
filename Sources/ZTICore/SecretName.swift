/// The secrets only the uploader reads, each from `$CREDENTIALS_DIRECTORY/<name>` or `secret.<name>.file`.
public enum SecretName: String, Sendable, Codable, CaseIterable {
    /// The Zoho OAuth refresh token.
    case crmRefreshToken = "crm-refresh-token"
    /// The Zoho OAuth client secret.
    case crmClientSecret = "crm-client-secret"
    /// The webhook HMAC key, or Zammad's whole CTI URL.
    case crmWebhookSecret = "crm-webhook-secret"
    /// The shared secret that authenticates click-to-dial requests from the CRM.
    case clickToDialSecret = "clicktodial-secret"

    /// The `zti.properties` key that names the file holding this secret.
    public var fileKey: String { "secret.\(rawValue).file" }
}
