import AsyncHTTPClient
import Foundation
import ZTICore

/// Zoho's authorization-code grant, for `ztisup crm authorize`: the URL the administrator opens, and the
/// exchange of the grant code for the refresh token, which goes to a file of mode 0600.
public enum ZohoAuthorization {
    /// The scopes every PhoneBridge provider asks for.
    public static let scopes = "PhoneBridge.call.log,PhoneBridge.zohoone.search"

    /// What the exchange gave.
    public struct Grant: Sendable {
        public let refreshToken: String
        public let apiDomain: String?
    }

    /// The page where an org administrator grants access; the redirect brings back `code` and `accounts-server`.
    public static func authorizeURL(accountsURL: String, clientId: String, redirectURI: String?) -> String {
        var fields: [(name: String, value: String)] = [
            ("scope", scopes), ("client_id", clientId), ("response_type", "code"), ("access_type", "offline"),
            ("prompt", "consent"),
        ]
        if let redirectURI { fields.append(("redirect_uri", redirectURI)) }
        return trimmed(accountsURL) + "/oauth/v2/auth?" + FormEncoding.encode(fields)
    }

    /// Exchanges `code` (valid about a minute) for a refresh token.
    public static func exchange(
        code: String, accountsURL: String, clientId: String, clientSecret: String, redirectURI: String?,
        client: HTTPClient
    ) async throws(ZTIUploaderError) -> Grant {
        var fields: [(name: String, value: String)] = [
            ("grant_type", "authorization_code"), ("client_id", clientId), ("client_secret", clientSecret),
            ("code", code),
        ]
        if let redirectURI { fields.append(("redirect_uri", redirectURI)) }
        let response: ZohoHTTP.Response
        do {
            response = try await ZohoHTTP.send(
                client: client, method: .POST, url: trimmed(accountsURL) + "/oauth/v2/token", authorization: nil,
                form: FormEncoding.encode(fields))
        } catch {
            throw ZTIUploaderError(.crmUnavailable, "Zoho accounts server \(accountsURL) unreachable: \(error)")
        }
        let object = response.json
        guard let refreshToken = object["refresh_token"] as? String, !refreshToken.isEmpty else {
            let reason = String(((object["error"] as? String) ?? "HTTP \(response.status)").prefix(120))
            throw ZTIUploaderError(
                .crmAuthorization,
                "Zoho did not exchange the grant code (\(reason)): codes are valid for about a minute and only once; "
                    + "check crm.zoho.client.id, the crm-client-secret and that \(accountsURL) is the accounts "
                    + "server the redirect named (accounts-server)")
        }
        return Grant(refreshToken: refreshToken, apiDomain: object["api_domain"] as? String)
    }

    /// Writes `secret` to `path` with mode 0600, replacing it atomically; the value never reaches an error.
    public static func writeSecret(_ secret: String, to path: String) throws(ZTIUploaderError) {
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ZTIUploaderError(
                .secretRefused, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        fchmod(fd, 0o600)
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ZTIUploaderError(.secretRefused, "cannot write \(path): \(reason)")
        }
    }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
}
