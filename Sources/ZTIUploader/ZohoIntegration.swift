import Logging
import ZTICore

/// Zoho's `integrate`, called at every start because until it is called every other PhoneBridge request fails
/// with `PBX_NOT_INTEGRATED`, even when the Marketplace shows the provider installed. It is idempotent.
public enum ZohoIntegration {
    /// Calls `integrate` until Zoho accepts it or refuses it for good, backing off from `retryMin` to 5 minutes.
    /// True once Zoho accepted it.
    @discardableResult
    public static func integrate(api: PhoneBridgeClient, retryMin: Duration, logger: Logger) async -> Bool {
        var delay = retryMin
        while !Task.isCancelled {
            do {
                let reply = try await api.integrate()
                if reply.isSuccess {
                    logger.info("Zoho PhoneBridge integration active")
                    return true
                }
                if (400..<500).contains(reply.status), reply.status != 408, reply.status != 429 {
                    logger.critical(
                        "Zoho refused integrate: HTTP \(reply.status) \(reply.code ?? "") \(reply.snippet); PROVIDER_NOT_REGISTERED means the client id has no PhoneBridge provider registration, NO_PERMISSION that the authorizing user lacks the PhoneBridge privilege, DIFFERENT_PROVIDER_ALREADY_ENABLED that another telephony provider is active"
                    )
                    return false
                }
                logger.warning("Zoho integrate: HTTP \(reply.status) \(reply.snippet); trying again in \(delay)")
            } catch {
                logger.error("Zoho integrate: \(error.message); trying again in \(delay)")
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(300))
        }
        return false
    }
}
