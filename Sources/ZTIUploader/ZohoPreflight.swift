import ZTICore

/// The Zoho part of `check-config --connect`, run inside the uploader because it holds the access token: one
/// `GET users` (one user, nothing delivered) with the token as it is. A token is never refreshed for the check:
/// a refresh spends the same budget (`crm.zoho.refresh.limit`, Zoho's 10 per 10 minutes) as the deliveries,
/// and a check run in a loop could lock the uploader out.
public enum ZohoPreflight {
    public static func run(tokens: ZohoTokenSource, api: PhoneBridgeClient) async -> PreflightCheck {
        let session: ZohoTokenSource.Session
        switch await tokens.held() {
        case .none(let lastError):
            guard let lastError else {
                return PreflightCheck(
                    .note,
                    "the uploader holds no Zoho access token yet (it gets one at its start, and again when one "
                        + "expires); the check does not refresh one, which would spend "
                        + "crm.zoho.refresh.limit: ask again in a moment")
            }
            return PreflightCheck(
                .fail,
                "the uploader holds no Zoho access token (its last refresh failed: \(Untrusted.shown(lastError))); the "
                    + "check does not refresh one, which would spend crm.zoho.refresh.limit; see the uploader's log")
        case .expired:
            return PreflightCheck(
                .note,
                "the uploader's Zoho access token has expired since its last use (it gets a new one at the next "
                    + "delivery); the check does not refresh it, which would spend crm.zoho.refresh.limit: run it "
                    + "again after a call")
        case .valid(let held):
            session = held
        }
        let reply: PhoneBridgeClient.Reply
        do {
            reply = try await api.sendOnce(.GET, "users", fields: [("page", "1"), ("perPage", "1")], session: session)
        } catch {
            return PreflightCheck(.fail, error.message + ": check the route from the uploader to Zoho")
        }
        let domain = Untrusted.shown(session.apiDomain)
        if reply.isSuccess {
            return PreflightCheck(
                .pass,
                "Zoho PhoneBridge at \(domain) accepts the uploader's access token (GET users: HTTP \(reply.status))")
        }
        if reply.status == 401 {
            return PreflightCheck(
                .fail,
                "Zoho PhoneBridge at \(domain) refused the uploader's access token (HTTP 401): the uploader gets a "
                    + "new one at its next delivery; if `ztisup status` then shows the CRM failing, run "
                    + "`ztisup crm authorize` again")
        }
        if reply.code == "PBX_NOT_INTEGRATED" {
            return PreflightCheck(
                .fail,
                "Zoho says PBX_NOT_INTEGRATED: the integration is not active for the org (the uploader calls "
                    + "`integrate` at its start; its log says why that failed)")
        }
        return PreflightCheck(
            .fail,
            "Zoho PhoneBridge at \(domain) answered HTTP \(reply.status)"
                + (reply.code.map { " \(Untrusted.shown($0))" } ?? "") + ": \(Untrusted.shown(reply.snippet))")
    }
}
