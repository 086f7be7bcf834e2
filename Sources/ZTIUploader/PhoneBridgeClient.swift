import AsyncHTTPClient
import Logging
import NIOHTTP1
import ZTICore

/// Requests to Zoho PhoneBridge v3 (`{api_domain}/phonebridge/v3/…`), authorized with the current access token.
/// A 401 refreshes the token and tries once more; `PBX_NOT_INTEGRATED` calls `integrate` and tries once more.
public struct PhoneBridgeClient: Sendable {
    /// What Zoho answered.
    public struct Reply: Sendable {
        public let status: Int
        public let code: String?
        public let retryAfter: String?
        public let body: String
        /// A short, single-line excerpt for logs and dead letters.
        public var snippet: String { String(body.prefix(200)).replacingOccurrences(of: "\n", with: " ") }
        public var isSuccess: Bool { (200..<300).contains(status) }
    }

    let tokens: ZohoTokenSource
    let client: HTTPClient
    let logger: Logger
    let scheme: ZohoAuthScheme

    public init(tokens: ZohoTokenSource, client: HTTPClient, scheme: ZohoAuthScheme = .zohoOAuthToken, logger: Logger) {
        self.tokens = tokens
        self.client = client
        self.scheme = scheme
        self.logger = logger
    }

    /// `POST integrate`: activates the integration for the org; idempotent.
    public func integrate() async throws(ZTIUploaderError) -> Reply {
        try await send(.POST, "integrate", fields: [], integrating: true)
    }

    /// `POST` of `path` with form `fields` (`GET` and `DELETE` with them as the query).
    public func send(_ method: HTTPMethod, _ path: String, fields: [(name: String, value: String)])
        async throws(ZTIUploaderError) -> Reply
    {
        try await send(method, path, fields: fields, integrating: false)
    }

    /// One request with `session`'s token as it is: no refresh on a 401 and no `integrate` (a check must not spend
    /// the uploader's refreshes).
    public func sendOnce(
        _ method: HTTPMethod, _ path: String, fields: [(name: String, value: String)],
        session: ZohoTokenSource.Session
    ) async throws(ZTIUploaderError) -> Reply {
        try await exchange(method, path, fields: fields, session: session)
    }

    private func send(
        _ method: HTTPMethod, _ path: String, fields: [(name: String, value: String)], integrating: Bool
    ) async throws(ZTIUploaderError) -> Reply {
        var reply = try await authorized(method, path, fields: fields)
        if !integrating, reply.code == "PBX_NOT_INTEGRATED" {
            logger.warning("Zoho says PBX_NOT_INTEGRATED on \(path): calling integrate, then trying once more")
            let integration = try await authorized(.POST, "integrate", fields: [])
            guard integration.isSuccess else {
                logger.error("Zoho integrate failed: HTTP \(integration.status) \(integration.snippet)")
                return integration
            }
            reply = try await authorized(method, path, fields: fields)
        }
        return reply
    }

    private func authorized(_ method: HTTPMethod, _ path: String, fields: [(name: String, value: String)])
        async throws(ZTIUploaderError) -> Reply
    {
        var session = try await tokens.session()
        var reply = try await exchange(method, path, fields: fields, session: session)
        if reply.status == 401 {
            await tokens.invalidate(session.accessToken)
            session = try await tokens.session()
            reply = try await exchange(method, path, fields: fields, session: session)
        }
        return reply
    }

    private func exchange(
        _ method: HTTPMethod, _ path: String, fields: [(name: String, value: String)], session: ZohoTokenSource.Session
    ) async throws(ZTIUploaderError) -> Reply {
        let form = FormEncoding.encode(fields)
        var url = session.apiDomain + "/phonebridge/v3/" + path
        let inQuery = method == .GET || method == .DELETE
        if inQuery, !form.isEmpty { url += "?" + form }
        do {
            let response = try await ZohoHTTP.send(
                client: client, method: method, url: url, authorization: scheme.header + " " + session.accessToken,
                form: inQuery ? nil : form)
            return Reply(
                status: response.status, code: response.code, retryAfter: response.retryAfter, body: response.body)
        } catch {
            throw ZTIUploaderError(.crmUnavailable, "Zoho PhoneBridge \(path) unreachable: \(error)")
        }
    }
}
