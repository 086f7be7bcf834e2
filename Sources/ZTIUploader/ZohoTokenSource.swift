import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ZTICore

/// The access token for Zoho's APIs, in memory only: refreshed from the refresh token shortly before it expires
/// and when the API answers 401, one refresh at a time (callers that need one while it runs share it), and never
/// more often than Zoho allows (``RefreshLimiter``).
public actor ZohoTokenSource {
    /// A usable access token and the API domain of the org's data centre (from the token response).
    public struct Session: Sendable, Equatable {
        public let accessToken: String
        public let apiDomain: String
        let expiresAt: ContinuousClock.Instant
    }

    private let accountsURL: String
    private let clientId: String
    private let clientSecret: String
    private let refreshToken: String
    private let client: HTTPClient
    private let logger: Logger
    /// How long before its expiry a token is replaced: Zoho's tokens live an hour, so at 55 minutes.
    private let margin: Duration = .seconds(300)
    private var limiter: RefreshLimiter
    private var current: Session?
    private var refreshing: Task<Session, any Error>?
    private var issued = false
    private var lastFailure: String?

    public init(
        accountsURL: String, clientId: String, clientSecret: String, refreshToken: String, limiter: RefreshLimiter,
        client: HTTPClient, logger: Logger
    ) {
        self.accountsURL = accountsURL.hasSuffix("/") ? String(accountsURL.dropLast()) : accountsURL
        self.clientId = clientId
        self.clientSecret = clientSecret
        self.refreshToken = refreshToken
        self.limiter = limiter
        self.client = client
        self.logger = logger
    }

    /// A token valid for a while yet, refreshed first when needed.
    public func session() async throws(ZTIUploaderError) -> Session {
        if let current, ContinuousClock.now < current.expiresAt - margin { return current }
        return try await refresh()
    }

    /// What the source holds now, never refreshed: for checks that must not spend a refresh
    /// (`check-config --connect`).
    public enum Held: Sendable, Equatable {
        case valid(Session)
        /// A token was issued and has expired since (the next `session()` refreshes it).
        case expired
        /// None was ever issued: none asked yet, or every refresh failed (the last failure's message).
        case none(lastFailure: String?)
    }

    /// The current token as it is, without refreshing it.
    public func held() -> Held {
        guard let current else { return issued ? .expired : .none(lastFailure: lastFailure) }
        return ContinuousClock.now < current.expiresAt ? .valid(current) : .expired
    }

    /// The API refused `accessToken` (401): the next `session()` refreshes, unless a newer token is already here.
    public func invalidate(_ accessToken: String) {
        if current?.accessToken == accessToken { current = nil }
    }

    private func refresh() async throws(ZTIUploaderError) -> Session {
        let task: Task<Session, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let now = ContinuousClock.now
            let allowed = limiter.nextAllowed(now: now)
            guard allowed <= now else {
                UploaderMetrics.tokenRefresh("limited")
                throw ZTIUploaderError(
                    .crmRefreshLimited,
                    "Zoho access token not refreshed: \(limiter.limit) refreshes in \(limiter.window) is the limit "
                        + "(crm.zoho.refresh.limit); the next is possible in \(allowed - now)")
            }
            limiter.record(now)
            task = Task { try await self.requestToken() }
            refreshing = task
        }
        do {
            let session = try await task.value
            current = session
            issued = true
            lastFailure = nil
            UploaderMetrics.tokenRefresh("ok")
            refreshing = nil
            return session
        } catch let error as ZTIUploaderError {
            refreshing = nil
            lastFailure = error.message
            UploaderMetrics.tokenRefresh(
                error.code == .crmAuthorization || error.code == .crmRefused
                    ? "refused" : error.code == .crmRefreshLimited ? "limited" : "failed")
            throw error
        } catch {
            refreshing = nil
            lastFailure = "Zoho token refresh failed: \(error)"
            UploaderMetrics.tokenRefresh("failed")
            throw ZTIUploaderError(.crmUnavailable, "Zoho token refresh failed: \(error)")
        }
    }

    /// How long until the limiter allows the next refresh (zero when it does now).
    public func refreshDelay() -> Duration {
        let now = ContinuousClock.now
        return limiter.nextAllowed(now: now) - now
    }

    private nonisolated func requestToken() async throws -> Session {
        let form = FormEncoding.encode([
            ("grant_type", "refresh_token"), ("client_id", clientId), ("client_secret", clientSecret),
            ("refresh_token", refreshToken),
        ])
        let response: ZohoHTTP.Response
        do {
            response = try await ZohoHTTP.send(
                client: client, method: .POST, url: accountsURL + "/oauth/v2/token", authorization: nil, form: form)
        } catch {
            throw ZTIUploaderError(.crmUnavailable, "Zoho accounts server \(accountsURL) unreachable: \(error)")
        }
        let object = response.json
        if let token = object["access_token"] as? String, !token.isEmpty {
            guard let apiDomain = object["api_domain"] as? String, ZohoHTTP.isHTTPURL(apiDomain) else {
                throw ZTIUploaderError(
                    .crmRefused, "Zoho's token response from \(accountsURL) has no usable api_domain")
            }
            let lifetime = (object["expires_in"] as? Int) ?? 3600
            logger.info("Zoho access token refreshed; API domain \(apiDomain), valid for \(lifetime) s")
            return Session(
                accessToken: token, apiDomain: apiDomain.hasSuffix("/") ? String(apiDomain.dropLast()) : apiDomain,
                expiresAt: ContinuousClock.now + .seconds(lifetime))
        }
        // Zoho answers refusals with HTTP 200 and an "error" field; the reason is a word, never a secret.
        let reason = String(((object["error"] as? String) ?? "HTTP \(response.status)").prefix(120))
        switch reason {
        case "invalid_code", "invalid_client", "invalid_client_secret", "unauthorized_client":
            throw ZTIUploaderError(
                .crmAuthorization,
                "Zoho refused the refresh token (\(reason)) at \(accountsURL): check crm.zoho.client.id, the "
                    + "crm-client-secret and crm.zoho.accounts.url, or run `ztisup crm authorize` again")
        case "Access Denied":
            throw ZTIUploaderError(
                .crmRefreshLimited, "Zoho refused the refresh: too many access tokens were created (\(reason))")
        default:
            throw ZTIUploaderError(
                response.status >= 500 ? .crmUnavailable : .crmRefused, "Zoho token refresh failed: \(reason)")
        }
    }
}
