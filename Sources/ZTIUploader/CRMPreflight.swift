import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ZTICore

/// `ztisup check-config --connect` for the CRM: the webhook's URL (and Zammad's, from its secret) asked with a
/// `HEAD`, which delivers nothing; any answer but "not found" or a server error means the URL is there. Zoho is
/// not asked yet: a token refresh from here would spend the uploader's budget of refreshes.
public enum CRMPreflight {
    /// Runs the check of `configuration`'s CRM; nothing for `crm.sink = none`.
    public static func run(_ configuration: Configuration, credentialsDirectory: String?, timeout: Duration) async
        -> [PreflightCheck]
    {
        let global = configuration.global
        switch global.sink {
        case .none:
            return []
        case .zoho:
            return [
                PreflightCheck(
                    .note,
                    "Zoho is not asked by --connect yet: a token refresh from here would spend the uploader's; see "
                        + "`ztisup status` (the uploader's CRM state) once it runs")
            ]
        case .webhook:
            guard let url = global.webhookURL else { return [PreflightCheck(.fail, "crm.webhook.url is not set")] }
            return [await probe(url, shown: url, what: "the webhook", timeout: timeout)]
        case .zammad:
            let secrets: SecretStore
            do {
                secrets = try SecretStore(
                    global: global, needed: [.crmWebhookSecret], credentialsDirectory: credentialsDirectory,
                    only: [.crmWebhookSecret])
            } catch {
                return [PreflightCheck(.fail, error.message)]
            }
            guard let url = secrets.value(.crmWebhookSecret) else { return [] }
            // The URL carries Zammad's token in its path: only its scheme, host and port are shown.
            return [await probe(url, shown: origin(of: url), what: "Zammad's CTI URL", timeout: timeout)]
        }
    }

    /// `scheme://host:port` of `url`, or "the URL" when it has none.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return "the URL" }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    static func probe(_ url: String, shown: String, what: String, timeout: Duration) async -> PreflightCheck {
        let request: HTTPClientRequest = {
            var request = HTTPClientRequest(url: url)
            request.method = .HEAD
            return request
        }()
        do {
            let response = try await HTTPClient.shared.execute(
                request, timeout: .milliseconds(Int64(timeout.wholeMilliseconds)))
            let status = Int(response.status.code)
            if status == 404 {
                return PreflightCheck(
                    .fail, "\(what) \(shown) answers 404 (not found): check the path of the URL")
            }
            if status >= 500 {
                return PreflightCheck(
                    .fail,
                    "\(what) \(shown) answers \(status) (\(response.status.reasonPhrase)): the receiver is failing")
            }
            return PreflightCheck(.pass, "\(what) \(shown) answers (HTTP \(status) to a HEAD, which delivers nothing)")
        } catch {
            return PreflightCheck(
                .fail,
                "\(what) \(shown) did not answer (\(Untrusted.shown(String(describing: error)))): check the URL, "
                    + "the DNS and any proxy or firewall between")
        }
    }
}
